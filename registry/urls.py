from django.urls import path

from . import views, views_lists

app_name = "registry"

urlpatterns = [
    path("province/", views.province_home, name="province_home"),
    path("city/", views.city_home, name="city_home"),
    path("enterprise/", views.enterprise_home, name="enterprise_home"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/export.xlsx", views.unit_list_xlsx, name="unit_list_xlsx"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("units/import/", views.unit_import, name="unit_import"),
    path("units/import/template.xlsx", views.unit_import_template, name="unit_import_template"),
    path("stats/", views.city_stats, name="city_stats"),
    path("stats.xlsx", views.city_stats_xlsx, name="city_stats_xlsx"),
    path("stats/districts/", views.district_stats, name="district_stats"),
    path("stats/districts.xlsx", views.district_stats_xlsx, name="district_stats_xlsx"),
    path("lists/imports/", views_lists.list_imports, name="list_imports"),
    path("lists/imports/<int:pk>/", views_lists.list_import, name="list_import"),
    path("enterprises/<int:pk>/", views_lists.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/code/", views_lists.enterprise_code, name="enterprise_code"),
    path("districts/", views_lists.districts, name="districts"),
    path("list/", views.public_lookup, name="public_lookup"),
]
