from django.urls import path

from . import views_bulk, views_district

urlpatterns = [
    path("proposals/bulk/", views_bulk.proposals_bulk, name="proposals_bulk"),
    path("proposals/keep/", views_bulk.keep_many, name="keep_many"),
    path("district/", views_district.district_home, name="district_home"),
    path("district/proposal/<int:unit_pk>/", views_district.district_proposal, name="district_proposal"),
    path("district/send/", views_district.district_send, name="district_send"),
    path("district-work/", views_district.district_work, name="district_work"),
    path("district-work/setting/", views_district.district_setting, name="district_setting"),
]
