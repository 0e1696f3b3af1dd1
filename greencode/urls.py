from django.urls import path

from . import views, views_documents, views_institutions

app_name = "greencode"

urlpatterns = [
    path("", views.my_codes, name="mine"),
    path("unit/<int:unit_id>/", views.unit_code, name="unit_code"),
    path("unit/<int:unit_id>/apply/", views.apply, name="apply"),
    path("<int:code_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:code_id>/certificate/", views.certificate, name="certificate"),
    path("<int:code_id>/certificate.pdf", views_documents.certificate_pdf, name="certificate_pdf"),
    path("<int:code_id>/qr.svg", views_documents.qr_svg, name="qr"),
    path("<int:code_id>/qr.png", views_documents.qr_png, name="qr_png"),
    path("verify/", views.verify, name="verify"),
    path("v/<str:token>/", views.verify, name="verify_token"),
    path("api/verify", views.verify_api, name="verify_api"),
    path("method/", views.method, name="method"),
    path("method/publish/", views.method_publish, name="method_publish"),
    path("runs/", views.runs, name="runs"),
    path("runs/rescore/", views.rescore, name="rescore"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/scores/", views.run_scores, name="run_scores"),
    path("runs/<int:run_id>/compare/", views.run_compare, name="run_compare"),
    path("runs/<int:run_id>/export.xlsx", views.run_export, name="run_export"),
    path("benchmarks/", views.benchmarks, name="benchmarks"),
    path("benchmarks/<int:pk>/remove/", views.benchmark_remove, name="benchmark_remove"),
    path("applicability/", views.applicability_table, name="applicability"),
    path("applicability/<int:pk>/remove/", views.applicability_remove, name="applicability_remove"),
    path("<int:code_id>/reinstate/", views.reinstate, name="reinstate"),
    # Institutions and their API keys (the province); consent (the enterprise); the API page (public).
    path("institutions/", views_institutions.institutions, name="institutions"),
    path("institutions/<int:pk>/", views_institutions.institution, name="institution"),
    path("keys/<int:pk>/revoke/", views_institutions.key_revoke, name="key_revoke"),
    path("unit/<int:unit_id>/consents/", views_institutions.consents, name="consents"),
    path("consents/<int:pk>/withdraw/", views_institutions.consent_withdraw, name="consent_withdraw"),
    path("shared/<str:token>/", views_institutions.shared_scorecard, name="shared"),
    path("api/", views_institutions.api_page, name="api_page"),
]
