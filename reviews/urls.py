from django.urls import include, path

app_name = "reviews"

# Three parts, kept in separate modules: the enterprise's filing pages, and the review workflow, the bulk and district steps.
urlpatterns = [
    path("", include("reviews.urls_filing")),
    path("", include("reviews.urls_review")),
    path("", include("reviews.urls_bulk")),
]
