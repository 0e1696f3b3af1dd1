from django.urls import include, path

app_name = "reviews"

# Four parts, kept in separate modules: the enterprise's filing pages, the review workflow, the evidence files, and
# the bulk and district steps.
urlpatterns = [
    path("", include("reviews.urls_filing")),
    path("", include("reviews.urls_review")),
    path("", include("reviews.urls_evidence")),
    path("", include("reviews.urls_bulk")),
]
