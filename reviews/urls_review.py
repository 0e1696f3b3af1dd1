from django.urls import path

from . import views_review as views
from . import views_review_actions as actions

urlpatterns = [
    path("province/", views.province_dashboard, name="province_dashboard"),
    path("city/", views.city_dashboard, name="city_dashboard"),
    path("enterprise/", views.enterprise_home, name="enterprise_home"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:year>/edit/", views.campaign_edit, name="campaign_edit"),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.review_filing, name="review_filing"),
    path("review/<int:pk>/checks/", views.review_checks, name="review_checks"),
    path("review/<int:pk>/flags/", views.review_flags, name="review_flags"),
    path("review/<int:pk>/suggestions/", actions.review_suggestions, name="review_suggestions"),
    path("review/<int:pk>/accept-next/", actions.review_accept_next, name="review_accept_next"),
    path("review/<int:pk>/compliance/", actions.review_compliance, name="review_compliance"),
    path("review/<int:pk>/disposition/", actions.review_disposition, name="review_disposition"),
    path("review/<int:pk>/assessments/new/", views.assessment_edit, name="assessment_create"),
    path("review/<int:pk>/assessments/<int:assessment_pk>/", views.assessment_edit, name="assessment_edit"),
    path("review/<int:pk>/return/", views.filing_return, name="filing_return"),
    path("review/<int:pk>/accept/", views.filing_accept, name="filing_accept"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/decide/", views.proposals_decide, name="proposals_decide"),
    path("proposals/summary.xlsx", views.adjustments_xlsx, name="adjustments_xlsx"),
    path("proposals/new/<int:unit_pk>/", views.proposal_edit, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/miit/", views.miit_decision, name="miit_decision"),
    path("package/", views.package_submit, name="package_submit"),
    path("not-filed/", views.not_filed, name="not_filed"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
]
