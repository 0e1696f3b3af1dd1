from django.urls import include, path

app_name = "reviews"

# Three parts (the evidence files the third), kept in separate modules: the enterprise's filing pages, and the review workflow.
urlpatterns = [
    path("", include("reviews.urls_filing")),
    path("", include("reviews.urls_review")),
    path("", include("reviews.urls_evidence")),
]
