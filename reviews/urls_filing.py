from django.urls import path

from . import views_filing as views

urlpatterns = [
    path("<int:year>/units/<int:unit_pk>/filing/", views.filing_edit, name="filing_edit"),
    path("<int:year>/units/<int:unit_pk>/filing.xlsx", views.filing_xlsx, name="filing_xlsx"),
    path("<int:year>/units/<int:unit_pk>/filing/upload/", views.filing_upload, name="filing_upload"),
    path("<int:year>/upload/", views.city_upload, name="city_upload"),
    path("<int:year>/upload/template.xlsx", views.city_upload_template, name="city_upload_template"),
    path("filings/<int:pk>/", views.filing_detail, name="filing_detail"),
]
