"""District first review pages: the district reviewer's list of its units, its first proposal and the sending to
the city; the city's list of district work to confirm or return, and the city's choice to review through
districts. The indicator check itself happens on the review page (reviews.views_review), which lets a district
reviewer check the filings of its district. Views stay thin: reviews.services.districts owns every step.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from greenmfg.rules import require
from registry import access
from registry.params import int_list, int_or_none
from registry.views import paginate, querystring_without_page

from . import queries, rules
from .enums import DISTRICT_EDITABLE_STATES, FilingState, ProposalState
from .forms import DistrictReviewForm, ProposalForm
from .models import AdjustmentProposal, Filing, IndicatorCheck
from .services import districts
from .services.review import ReviewError
from .views_bulk import _report_messages
from .views_review import PAGE_SIZE, _campaign


def _require_district(request):
    if not access.roles_of(request.user).is_district_reviewer:
        raise PermissionDenied(_("This page is for district reviewers."))


def _home_url(campaign) -> str:
    return f"{reverse('reviews:district_home')}?{urlencode({'year': campaign.year})}"


@login_required
def district_home(request):
    """The district reviewer's units: filing state, how far the check is, the first proposal and its state."""
    _require_district(request)
    campaign = _campaign(request)
    filings = Filing.objects.filter(campaign=campaign, unit=OuterRef("pk"))
    proposals = AdjustmentProposal.objects.filter(campaign=campaign, unit=OuterRef("pk"))
    units = (access.district_units(request.user).filter(city__in=campaign.district_cities.all())
             .select_related("city", "district")
             .annotate(filing_pk=Subquery(filings.values("pk")[:1]), filing_state=Subquery(filings.values("state")[:1]),
                       checked=Subquery(IndicatorCheck.objects.filter(filing__campaign=campaign, filing__unit=OuterRef("pk"))
                                        .values("filing").annotate(n=Count("pk")).values("n")[:1]),
                       proposal_pk=Subquery(proposals.values("pk")[:1]),
                       proposal_state=Subquery(proposals.values("state")[:1]),
                       proposal_late=Subquery(proposals.values("district_late")[:1]))
             .order_by("district__name", "name"))
    idle = (access.visible_districts(request.user).filter(pk__in=sorted(access.roles_of(request.user).district_ids))
            .exclude(city__in=campaign.district_cities.all()).select_related("city"))
    page = paginate(request, units, PAGE_SIZE)
    return render(request, "reviews/district_home.html", {
        "campaign": campaign, "page": page, "querystring": querystring_without_page(request),
        "states": dict(ProposalState.choices), "filing_states": dict(FilingState.choices), "editable": DISTRICT_EDITABLE_STATES,
        "deadline_open": bool(rules.within_district_deadline(campaign)), "idle_districts": list(idle),
    })


@login_required
@require_http_methods(["GET", "POST"])
def district_proposal(request, unit_pk: int):
    """The district's first proposal for one of its units (opened or changed while it is with the district)."""
    _require_district(request)
    campaign = _campaign(request)
    unit = get_object_or_404(access.district_units(request.user).select_related("city"), pk=unit_pk)
    require(rules.can_district_review(request.user, unit, campaign))
    proposal = AdjustmentProposal.objects.filter(campaign=campaign, unit=unit).first()
    if proposal and proposal.state not in DISTRICT_EDITABLE_STATES:
        messages.info(request, _("This proposal is “%(state)s” and can no longer be changed.")
                      % {"state": proposal.get_state_display()})
        return redirect(_home_url(campaign))
    form = ProposalForm(request.POST or None, instance=proposal, unit=unit)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                districts.save_district_proposal(campaign, unit, form.cleaned_data, actor=request.user)
            except ReviewError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The first proposal was saved; send it to the city when the check is done."))
                return redirect(_home_url(campaign))
        status = 400
    filing = Filing.objects.filter(campaign=campaign, unit=unit).first()
    decision = rules.proposal_not_blocked(filing)
    return render(request, "reviews/proposal_form.html", {
        "form": form, "unit": unit, "campaign": campaign, "proposal": proposal, "filing": filing,
        "blocked": None if decision else decision.reason, "cancel_url": _home_url(campaign),
    }, status=status)


@login_required
@require_POST
def district_send(request):
    _require_district(request)
    campaign = _campaign(request)
    pks = int_list(request.POST.getlist("proposals"))
    if not pks:
        messages.error(request, _("Select at least one proposal."))
    else:
        report = districts.submit_to_city(campaign, pks, actor=request.user)
        _report_messages(request, len(report.done), report.skipped, _("%(n)d proposal(s) sent to the city."))
    return redirect(_home_url(campaign))


# --- the city's side -------------------------------------------------------------------------------------------

CONFIRM, RETURN = "confirm", "return"


@login_required
@require_http_methods(["GET", "POST"])
def district_work(request):
    """District work awaiting the city's confirmation: confirm (accepting the filings) or return, many at once."""
    roles = access.roles_of(request.user)
    if not roles.is_city_reviewer:
        raise PermissionDenied(_("This page is for the city bureaus."))
    campaign = _campaign(request)
    back = f"{reverse('reviews:district_work')}?{urlencode({'year': campaign.year})}"
    if request.method == "POST":
        pks, action = int_list(request.POST.getlist("proposals")), request.POST.get("action")
        if not pks:
            messages.error(request, _("Select at least one proposal."))
        elif action not in (CONFIRM, RETURN):
            messages.error(request, _("Choose confirm or return."))
        else:
            try:
                if action == CONFIRM:
                    report = districts.confirm_district_work(campaign, pks, actor=request.user)
                    done = _("%(n)d district review(s) confirmed: the filings are accepted and the proposals are "
                             "the city's drafts.")
                else:
                    report = districts.return_district_work(campaign, pks, request.POST.get("reason", ""),
                                                            actor=request.user)
                    done = _("%(n)d district review(s) returned to the district.")
            except ReviewError as exc:
                messages.error(request, str(exc))
            else:
                _report_messages(request, len(report.done), report.skipped, done)
        return redirect(back)
    proposals = (queries.awaiting_city_confirmation(campaign).filter(unit__in=access.reviewable_units(request.user))
                 .select_related("unit", "unit__district", "unit__city")
                 .annotate(filing_pk=Subquery(Filing.objects.filter(campaign=campaign, unit=OuterRef("unit"))
                                              .values("pk")[:1]))
                 .order_by("unit__district__name", "unit__name"))
    district = int_or_none(request.GET.get("district"))
    if district is not None:
        proposals = proposals.filter(unit__district_id=district)
    page = paginate(request, proposals, PAGE_SIZE)
    cities = access.visible_cities(request.user).order_by("seed_order")
    return render(request, "reviews/district_work.html", {
        "campaign": campaign, "page": page, "querystring": querystring_without_page(request),
        "city_settings": [(c, DistrictReviewForm(initial={"reviews_through_districts": c in set(campaign.district_cities.all())}))
                     for c in cities],
        "districts": access.visible_districts(request.user).filter(city__in=cities, units__isnull=False)
        .filter(Q(city__in=campaign.district_cities.all())).distinct().order_by("name"),
        "district": district,
    })


@login_required
@require_POST
def district_setting(request):
    """The city decides whether it reviews through districts in this campaign."""
    campaign = _campaign(request)
    city = get_object_or_404(access.visible_cities(request.user), pk=int_or_none(request.POST.get("city")) or 0)
    form = DistrictReviewForm(request.POST)
    form.is_valid()
    on = bool(form.cleaned_data.get("reviews_through_districts"))
    if districts.set_district_review(campaign, city, on, actor=request.user):
        messages.success(request, _("%(city)s now reviews through districts.") % {"city": city.name} if on
                         else _("%(city)s now reviews without districts.") % {"city": city.name})
    return redirect(f"{reverse('reviews:district_work')}?{urlencode({'year': campaign.year})}")
