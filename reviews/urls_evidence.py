from django.urls import path

from . import views_evidence as views

urlpatterns = [
    path("filings/<int:pk>/evidence/", views.evidence_filing, name="evidence_filing"),
    path("proposals/<int:pk>/evidence/", views.evidence_proposal, name="evidence_proposal"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
]
