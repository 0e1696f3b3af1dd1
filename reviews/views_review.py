"""The review workflow's pages: campaigns, the city's review, proposals, the province's decisions, dashboards.

Views are thin: they fetch through registry.access (another city's item is simply not found: 404), validate a
form, call one service function and redirect. Every denial is a 403 or 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from greenmfg.rules import require
from registry import access
from registry.enums import UnitStatus
from registry.params import int_list, int_or_none
from registry.views import paginate, querystring_without_page
from registry.xlsx import export_query, filter_line, xlsx_response

from . import audit, queries
from . import rules as review_rules
from .enums import CheckVerdict, FilingState, FlagVerdict, Outcome, ProposalState
from .exports import adjustment_sheet, not_filed_sheet, proposal_list_sheet, review_queue_sheet, summary_proposals
from .forms import (
    AcceptFilingForm,
    AssessmentForm,
    BulkProposalForm,
    CampaignForm,
    ComplianceForm,
    DecisionForm,
    DispositionForm,
    FlagVerdictsForm,
    IncidentForm,
    IndicatorChecksForm,
    MiitDecisionForm,
    PackageForm,
    ProposalForm,
    ReturnFilingForm,
)
from .indicators import BY_CODE
from .labels import audit_rows
from .models import (
    AdjustmentProposal,
    Campaign,
    CityPackage,
    DataFlag,
    Filing,
    IncidentReport,
    IndicatorCheck,
    MiitDecision,
)
from .proposal_filters import ProposalFilter
from .queries import PROPOSED
from .services import campaigns as campaign_services
from .services import incidents as incident_services
from .services import progress
from .services import province as province_services
from .services import review as review_services
from .services.context import filing_context, shown_years
from .services.declared import compliance_rows, declared_changes
from .services.review import ReviewError
from .views_evidence import panel as evidence_panel

PAGE_SIZE = 50


def url_or_none(name: str, **kwargs) -> str | None:
    """A link to a page that may not exist yet (the filing pages are built alongside)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _campaign(request) -> Campaign:
    """The campaign of ?year=, else the current one; none at all is a 404 with a plain message."""
    year = int_or_none(request.GET.get("year") or request.POST.get("year"))
    campaign = None
    if year is not None:
        campaign = Campaign.objects.filter(year=year).first()
    campaign = campaign or Campaign.current()
    if campaign is None:
        raise Http404(_("No campaign has been set up yet."))
    return campaign


def _require_city(request):
    roles = access.roles_of(request.user)
    if not roles.is_city_reviewer:
        raise PermissionDenied
    return roles


def _fail(request, exc: Exception) -> None:
    messages.error(request, str(exc))


# --- campaigns -------------------------------------------------------------------------------------------

@login_required
def campaign_list(request):
    access.require_province(request.user)
    return render(request, "reviews/campaign_list.html", {"campaigns": Campaign.objects.order_by("-year")})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, year: int | None = None):
    access.require_province(request.user)
    campaign = get_object_or_404(Campaign, year=year) if year else None
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        saved = campaign_services.save_campaign(form.cleaned_data, actor=request.user, campaign=campaign)
        messages.success(request, _("The %(year)d campaign was saved.") % {"year": saved.year})
        return redirect("reviews:campaign_list")
    history = audit_rows(audit.history(campaign), "campaign") if campaign else []
    return render(request, "reviews/campaign_form.html", {"form": form, "campaign": campaign, "history": history})


# --- the city's review of filings ------------------------------------------------------------------------

@login_required
def review_list(request):
    access.require_staff(request.user)
    campaign = _campaign(request)
    filings = (review_services.reviewable_filings(request.user).filter(campaign=campaign)
               .select_related("unit", "unit__city")
               .order_by("unit__city__seed_order", "unit__name"))
    filings = filings.annotate(
        non_compliant=Exists(IndicatorCheck.objects.filter(filing=OuterRef("pk"), verdict=CheckVerdict.NON_COMPLIANT)),
        pending_flags=Exists(DataFlag.objects.filter(filing=OuterRef("pk"), verdict=FlagVerdict.PENDING)),
    )
    state = request.GET.get("state", FilingState.SUBMITTED)
    if state in FilingState.values:
        filings = filings.filter(state=state)
    else:
        state = ""
    cities = access.visible_cities(request.user).order_by("seed_order")
    city = request.GET.get("city")
    if int_or_none(city) is not None:
        filings = filings.filter(unit__city_id=int_or_none(city))
    q = request.GET.get("q", "").strip()
    if q:
        filings = filings.filter(Q(unit__name__icontains=q) | Q(unit__credit_code__startswith=q.upper()))
    if request.GET.get("format") == "xlsx":
        filters = filter_line([("年度", campaign.year), ("城市", _city_name(cities, city)),
                               ("状态", dict(FilingState.choices).get(state, "")), ("名称或信用代码", q)])
        return xlsx_response(f"review-queue-{campaign.year}.xlsx", [review_queue_sheet(filings, campaign.year, filters)])
    page = paginate(request, filings, PAGE_SIZE)
    return render(request, "reviews/review_list.html", {
        "campaign": campaign, "page": page, "querystring": querystring_without_page(request),
        "export_query": export_query(request),
        "states": FilingState.choices, "state": state, "cities": cities, "city": city or "", "q": q,
        "show_city_filter": access.roles_of(request.user).province or len(access.roles_of(request.user).city_ids) > 1,
    })


def _city_name(cities, city_id) -> str:
    """The name of the city a list is filtered to ("" when it is not)."""
    pk = int_or_none(city_id)
    return next((c.name for c in cities if c.pk == pk), "") if pk is not None else ""


def _review_filing(request, pk: int) -> Filing:
    return get_object_or_404(
        review_services.reviewable_filings(request.user).select_related("unit", "unit__city", "unit__industry", "campaign"),
        pk=pk,
    )


def _render_review(request, filing: Filing, *, checks_form=None, flags_form=None, assessment_form=None,
                   return_form=None, accept_form=None, compliance_form=None, disposition_form=None, status=200):
    values = dict(filing.indicators.values_list("code", "value"))
    checks = {c.code: c for c in filing.checks.select_related("checked_by")}
    flags = list(filing.flags.select_related("verdict_by").order_by("code", "kind"))
    for flag in flags:
        flag.indicator = BY_CODE.get(flag.code)
    rows = filing_context(filing, values, flags)
    verifications = {c.item: c for c in filing.compliance_checks.select_related("checked_by")}
    can_review = review_services.is_city_reviewer_for(request.user, filing.unit)
    can_check = bool(review_rules.can_check(request.user, filing.unit, filing.campaign))
    is_open = filing.state == FilingState.SUBMITTED
    checks_form = checks_form or IndicatorChecksForm(filing=filing, checks=checks, rows=rows)
    flags_form = flags_form or FlagVerdictsForm(flags=flags)
    assessments = list(filing.assessments.select_related("created_by"))
    proposal = AdjustmentProposal.objects.filter(campaign=filing.campaign, unit=filing.unit).first()
    incidents = list(filing.unit.incidents.all()[:5])
    findings = queries.declared_findings(filing, verifications.values())
    context = {
        "filing": filing, "unit": filing.unit, "campaign": filing.campaign,
        "values": [(BY_CODE[code], value) for code, value in values.items() if code in BY_CODE],
        "checks_form": checks_form, "flags_form": flags_form, "flags": flags,
        "assessment_form": assessment_form or AssessmentForm(),
        "return_form": return_form or ReturnFilingForm(), "accept_form": accept_form or AcceptFilingForm(),
        "assessments": assessments,
        "blocked": not review_rules.proposal_not_blocked(filing),
        "can_review": can_review, "can_check": can_check, "is_open": is_open,
        "acceptance_problems": review_services.acceptance_problems(filing) if can_review and is_open else [],
        "proposal": proposal,
        "history": audit_rows(audit.history(filing), "filing"),
        "filing_detail_url": url_or_none("reviews:filing_detail", pk=filing.pk),
        "incidents": incidents,
        "findings": findings, "changes": declared_changes(filing),
        "compliance_rows": compliance_rows(filing, verifications),
        "compliance_form": compliance_form or ComplianceForm(verifications=verifications),
        "disposition_form": disposition_form or DispositionForm(
            initial={"disposition": filing.disposition, "note": filing.disposition_note}),
        "suggested": sum(1 for r in rows if r.suggestion and r.suggestion.is_verdict),
        "context_years": shown_years(filing),
        "evidence": evidence_panel(request, filing=filing, assessments=assessments),
    }
    return render(request, "reviews/review_filing.html", context, status=status)


def _require_reviewer(request) -> None:
    """The review page: province and city staff, and district reviewers (their filings only, see _review_filing)."""
    if not access.roles_of(request.user).is_district_reviewer:
        access.require_staff(request.user)


@login_required
def review_filing(request, pk: int):
    _require_reviewer(request)
    return _render_review(request, _review_filing(request, pk))


@login_required
@require_POST
def review_checks(request, pk: int):
    filing = _review_filing(request, pk)
    checks = {c.code: c for c in filing.checks.all()}
    form = IndicatorChecksForm(request.POST, filing=filing, checks=checks, rows=filing_context(filing))
    return _save_verdicts(request, filing, form, "checks_form", review_services.record_checks,
                          invalid=_("The checks were not saved: see the indicators marked in red."),
                          done=_("The indicator checks were saved."))


@login_required
@require_POST
def review_flags(request, pk: int):
    filing = _review_filing(request, pk)
    form = FlagVerdictsForm(request.POST, flags=filing.flags.order_by("code", "kind"))
    return _save_verdicts(request, filing, form, "flags_form", review_services.record_flag_verdicts,
                          invalid=_("The verdicts were not saved: see the flags marked in red."),
                          done=_("The data flags were judged."))


def _save_verdicts(request, filing, form, form_name: str, record, *, invalid: str, done: str):
    """The review page's two verdict forms: the service records them (and checks who may)."""
    require(review_rules.can_check(request.user, filing.unit, filing.campaign))
    return review_step(request, filing, form, form_name, lambda: record(filing, form.verdicts(), actor=request.user),
                       invalid=invalid, done=done)


def review_step(request, filing, form, form_name: str, act, *, invalid: str, done: str):
    """One form of the review page posted: an invalid form is shown again (400) with `invalid`; a valid one runs
    `act()` (one service call), whose refusal is shown as an error; either way the review page follows."""
    if not form.is_valid():
        messages.error(request, invalid)
        return _render_review(request, filing, status=400, **{form_name: form})
    try:
        act()
    except ReviewError as exc:
        _fail(request, exc)
    else:
        messages.success(request, done)
    return redirect("reviews:review_filing", pk=filing.pk)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request, pk: int, assessment_pk: int | None = None):
    filing = _review_filing(request, pk)
    review_services.require_city_reviewer(request.user, filing.unit)
    assessment = get_object_or_404(filing.assessments, pk=assessment_pk) if assessment_pk else None
    form = AssessmentForm(request.POST or None, instance=assessment)
    if request.method == "POST":
        if form.is_valid():
            try:
                review_services.save_assessment(filing, form.cleaned_data, actor=request.user, assessment=assessment)
            except ReviewError as exc:
                _fail(request, exc)
            else:
                messages.success(request, _("The on-site assessment was saved."))
                return redirect("reviews:review_filing", pk=filing.pk)
        elif assessment is None:
            messages.error(request, _("The assessment was not saved: see the fields marked in red."))
            return _render_review(request, filing, assessment_form=form, status=400)
    return render(request, "reviews/assessment_form.html", {"filing": filing, "form": form, "assessment": assessment},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def filing_return(request, pk: int):
    filing = _review_filing(request, pk)
    review_services.require_city_reviewer(request.user, filing.unit)
    form = ReturnFilingForm(request.POST)
    return review_step(
        request, filing, form, "return_form",
        lambda: review_services.return_filing(filing, form.cleaned_data["reason"], actor=request.user),
        invalid=_("The filing was not returned: give the reason."),
        done=_("The filing was returned to the enterprise."))


@login_required
@require_POST
def filing_accept(request, pk: int):
    filing = _review_filing(request, pk)
    review_services.require_city_reviewer(request.user, filing.unit)
    form = AcceptFilingForm(request.POST)
    form.is_valid()
    try:
        review_services.accept_filing(filing, actor=request.user, comment=form.cleaned_data.get("comment", ""))
    except ReviewError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("The filing was accepted."))
    return redirect("reviews:review_filing", pk=filing.pk)


# --- proposals ---------------------------------------------------------------------------------------------

def _proposal(request, pk: int) -> AdjustmentProposal:
    return get_object_or_404(
        review_services.reviewable_proposals(request.user).select_related(
            "unit", "unit__city", "campaign", "package", "decided_by", "created_by"),
        pk=pk,
    )


LATE_CHOICES = (("", "all"), ("1", "late"), ("0", "on_time"))


@login_required
def proposal_list(request):
    access.require_staff(request.user)
    campaign = _campaign(request)
    roles = access.roles_of(request.user)
    proposals = (review_services.reviewable_proposals(request.user).filter(campaign=campaign)
                 .select_related("unit", "unit__city")
                 .annotate(has_decision=Exists(MiitDecision.objects.filter(proposal=OuterRef("pk"))))
                 .order_by("unit__city__seed_order", "unit__name"))
    params = request.GET
    chosen = ProposalFilter.from_params(params)
    proposals = chosen.apply(proposals)
    cities = access.visible_cities(request.user).order_by("seed_order")
    states = [*ProposalState.choices, (PROPOSED, _("Sent to the province (any decision)"))]
    if params.get("format") == "xlsx":
        filters = filter_line([("年度", campaign.year), ("城市", _city_name(cities, chosen.city)),
                               ("调整类型", dict(Outcome.choices).get(chosen.outcome, "")),
                               ("状态", dict(states).get(chosen.state, "")),
                               ("是否逾期", {"1": "逾期", "0": "按时"}.get(chosen.late, "")),
                               ("部里决定", {"pending": "待录入", "recorded": "已录入"}.get(chosen.miit, "")),
                               ("名称或信用代码", chosen.q)])
        return xlsx_response(f"adjustments-{campaign.year}-filtered.xlsx",
                             [proposal_list_sheet(proposals, campaign.year, filters)])
    page = paginate(request, proposals, PAGE_SIZE)
    return render(request, "reviews/proposal_list.html", {
        "campaign": campaign, "page": page, "querystring": querystring_without_page(request),
        "export_query": export_query(request),
        "cities": cities, "city": chosen.city,
        "outcomes": Outcome.choices, "outcome": chosen.outcome, "states": states,
        "state": chosen.state, "late": chosen.late, "miit": chosen.miit, "q": chosen.q, "is_province": roles.province,
        "bulk_form": BulkProposalForm(), "filter_query": querystring_without_page(request),
    })


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, unit_pk: int | None = None, pk: int | None = None):
    """Open a proposal for a unit (unit_pk) or change one (pk); only the unit's city bureau."""
    _require_city(request)
    if pk:
        proposal = _proposal(request, pk)
        unit, campaign = proposal.unit, proposal.campaign
    else:
        unit = get_object_or_404(access.reviewable_units(request.user).select_related("city"), pk=unit_pk)
        campaign = _campaign(request)
        proposal = AdjustmentProposal.objects.filter(campaign=campaign, unit=unit).first()
        if proposal is not None:
            return redirect("reviews:proposal_edit", pk=proposal.pk)
    review_services.require_city_reviewer(request.user, unit)
    if proposal and proposal.state not in review_services.EDITABLE_PROPOSAL_STATES:
        messages.info(request, _("This proposal is “%(state)s” and can no longer be changed.")
                      % {"state": proposal.get_state_display()})
        return redirect("reviews:proposal_detail", pk=proposal.pk)
    form = ProposalForm(request.POST or None, instance=proposal, unit=unit)
    filing = Filing.objects.filter(campaign=campaign, unit=unit).first()
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = review_services.save_proposal(campaign, unit, form.cleaned_data, actor=request.user)
            except ReviewError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The proposal was saved as a draft; submit it with the city's package."))
                return redirect("reviews:proposal_detail", pk=saved.pk)
        status = 400
    decision = review_rules.proposal_not_blocked(filing)
    blocked = None if decision else decision.reason
    return render(request, "reviews/proposal_form.html", {
        "form": form, "unit": unit, "campaign": campaign, "proposal": proposal, "filing": filing, "blocked": blocked,
    }, status=status)


@login_required
def proposal_detail(request, pk: int):
    access.require_staff(request.user)
    proposal = _proposal(request, pk)
    roles = access.roles_of(request.user)
    decision = MiitDecision.objects.filter(proposal=proposal).select_related("recorded_by", "source").first()
    filing = Filing.objects.filter(campaign=proposal.campaign, unit=proposal.unit).first()
    return render(request, "reviews/proposal_detail.html", {
        "proposal": proposal, "unit": proposal.unit, "campaign": proposal.campaign, "decision": decision,
        "filing": filing, "history": audit_rows(audit.history(proposal), "proposal"),
        "incidents": list(proposal.unit.incidents.select_related("reported_by")),
        "can_edit": review_services.is_city_reviewer_for(request.user, proposal.unit)
        and proposal.state in review_services.EDITABLE_PROPOSAL_STATES,
        "can_decide": roles.province and proposal.state == ProposalState.SUBMITTED,
        "can_record_miit": roles.province and proposal.state == ProposalState.APPROVED and decision is None,
        "decision_form": DecisionForm(), "miit_form": MiitDecisionForm(),
        "evidence": evidence_panel(request, proposal=proposal),
    })


@login_required
@require_POST
def proposals_decide(request):
    """Approve or return one or many submitted proposals with one comment."""
    access.require_province(request.user)
    ids = int_list(request.POST.getlist("proposals"))
    visible = list(review_services.reviewable_proposals(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    form = DecisionForm(request.POST, proposal_ids=visible)
    back = request.POST.get("next") or ""
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        back = reverse("reviews:proposal_list")  # only a path on this site: never //host, a scheme, or a view name
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(back)
    result = province_services.decide_many(form.cleaned_data["proposals"], form.cleaned_data["action"],
                                           actor=request.user, comment=form.cleaned_data["comment"])
    if result.done:
        messages.success(request, _("%(n)d proposal(s) decided.") % {"n": len(result.done)})
    for refusal in result.refused:
        messages.error(request, refusal)
    return redirect(back)


@login_required
@require_POST
def miit_decision(request, pk: int):
    access.require_province(request.user)
    proposal = _proposal(request, pk)
    form = MiitDecisionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("reviews:proposal_detail", pk=proposal.pk)
    try:
        province_services.record_miit_decision(proposal, actor=request.user, **form.cleaned_data)
    except ReviewError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("MIIT's decision was recorded."))
    return redirect("reviews:proposal_detail", pk=proposal.pk)


@login_required
def adjustments_xlsx(request):
    access.require_province(request.user)
    campaign = _campaign(request)
    return xlsx_response(f"adjustments-{campaign.year}.xlsx",
                         [adjustment_sheet(summary_proposals(campaign.year), campaign.year)])


# --- the city's package and the not-filed list -------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def package_submit(request):
    roles = _require_city(request)
    campaign = _campaign(request)
    cities = list(access.visible_cities(request.user).filter(pk__in=roles.city_ids).order_by("seed_order"))
    city_id = request.POST.get("city") or request.GET.get("city")
    city = next((c for c in cities if str(c.pk) == str(city_id)), cities[0])
    pending = list(AdjustmentProposal.objects.filter(campaign=campaign, unit__city=city,
                                                     state__in=review_services.EDITABLE_PROPOSAL_STATES)
                   .select_related("unit").order_by("unit__name"))
    form = PackageForm(request.POST or None)
    check = review_services.package_check(campaign, city)
    if request.method == "POST" and form.is_valid():
        try:
            package = review_services.submit_package(campaign, city, actor=request.user, note=form.cleaned_data["note"],
                                                     reason=form.cleaned_data["reason"])
        except ReviewError as exc:
            form.add_error("reason" if not check.ok else None, str(exc))
        else:
            if package.is_late:
                messages.warning(request, _("The package was submitted after the city deadline and is marked late."))
            else:
                messages.success(request, _("The package was submitted to the province."))
            return redirect("reviews:city_dashboard")
    package = CityPackage.objects.filter(campaign=campaign, city=city).first()
    return render(request, "reviews/package_form.html", {
        "form": form, "campaign": campaign, "city": city, "cities": cities, "pending": pending, "package": package,
        "check": check,
        "late": review_services.city_deadline_passed(campaign),
        "history": audit_rows(audit.history(package), "package") if package else [],
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def not_filed(request):
    access.require_staff(request.user)
    campaign = _campaign(request)
    roles = access.roles_of(request.user)
    cities = access.visible_cities(request.user).order_by("seed_order")
    if request.method == "POST":
        _require_city(request)
        try:
            n = review_services.open_not_filed_proposals(
                campaign, cities=access.visible_cities(request.user).filter(pk__in=roles.city_ids), actor=request.user)
        except ReviewError as exc:
            _fail(request, exc)
        else:
            messages.success(request, _("%(n)d default removal proposal(s) opened.") % {"n": n})
        return redirect(f"{reverse('reviews:not_filed')}?year={campaign.year}")
    units = (review_services.not_filed_units(campaign, cities=cities).filter(pk__in=access.reviewable_units(request.user))
             .select_related("city")
             .annotate(has_proposal=Exists(AdjustmentProposal.objects.filter(campaign=campaign, unit=OuterRef("pk"))),
                       filing_state=Filing.objects.filter(campaign=campaign, unit=OuterRef("pk")).values("state")[:1])
             .order_by("city__seed_order", "name"))
    if request.GET.get("format") == "xlsx":
        filters = filter_line([("年度", campaign.year), ("城市", "、".join(c.name for c in cities) if not roles.province else "")])
        return xlsx_response(f"not-filed-{campaign.year}.xlsx", [not_filed_sheet(units, campaign, filters)])
    page = paginate(request, units, PAGE_SIZE)
    states = dict(FilingState.choices)
    return render(request, "reviews/not_filed.html", {
        "campaign": campaign, "page": page, "querystring": querystring_without_page(request), "states": states,
        "export_query": export_query(request),
        "deadline_passed": review_services.city_deadline_passed(campaign), "is_city": roles.is_city_reviewer,
    })


# --- incidents -------------------------------------------------------------------------------------------

@login_required
def incident_list(request):
    access.require_staff(request.user)
    incidents = (access.scoped(IncidentReport.objects.all(), request.user).filter(unit__in=access.reviewable_units(request.user))
                 .select_related("unit", "unit__city", "reported_by").order_by("-reported_at"))
    page = paginate(request, incidents, PAGE_SIZE)
    return render(request, "reviews/incident_list.html", {"page": page, "querystring": querystring_without_page(request),
                                                          "is_city": access.roles_of(request.user).is_city_reviewer})


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request):
    roles = _require_city(request)
    units = (access.reviewable_units(request.user).filter(city_id__in=roles.city_ids, status=UnitStatus.LISTED)
             .order_by("name"))
    initial = {}
    if int_or_none(request.GET.get("unit")) is not None:
        initial["unit"] = int_or_none(request.GET.get("unit"))
    form = IncidentForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = incident_services.report_incident(
                data["unit"], kind=data["kind"], occurred_on=data["occurred_on"], description=data["description"],
                actor=request.user)
        except ReviewError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The incident was reported; the province has been notified and a removal proposal opened."))
            proposal = AdjustmentProposal.objects.filter(campaign=incident.campaign, unit=incident.unit).first()
            if proposal:
                return redirect("reviews:proposal_detail", pk=proposal.pk)
            return redirect("reviews:incident_list")
    return render(request, "reviews/incident_form.html", {"form": form}, status=400 if form.errors else 200)


# --- dashboards ------------------------------------------------------------------------------------------

def _campaign_or_none(request):
    try:
        return _campaign(request)
    except Http404:
        return None


@login_required
def province_dashboard(request):
    access.require_province(request.user)
    campaign = _campaign_or_none(request)
    context = {"campaign": campaign, "campaigns": Campaign.objects.order_by("-year")}
    if campaign is not None:
        rows, total = progress.campaign_progress(campaign, access.visible_cities(request.user).order_by("seed_order"))
        progress.district_progress(campaign, rows)
        context.update({
            "rows": rows, "total": total,
            "late_packages": [r for r in rows if r.package and r.package.is_late],
            "today": timezone.localdate(),
            "deadlines": _deadlines(campaign),
            "incidents": list(IncidentReport.objects.filter(campaign=campaign).select_related("unit", "unit__city")
                              .order_by("-reported_at")[:5]),
        })
    return render(request, "reviews/province_dashboard.html", context)


def _deadlines(campaign: Campaign):
    today = timezone.localdate()
    return [
        (label, date, Campaign.passed(date), (date - today).days)
        for label, date in (
            (_("Filing opens"), campaign.filing_opens), (_("Filing due"), campaign.filing_due),
            *([(_("District review due"), campaign.district_review_due)] if campaign.district_review_due else []),
            (_("City review due"), campaign.city_review_due), (_("Province report due"), campaign.province_report_due),
        )
    ]


@login_required
def city_dashboard(request):
    roles = _require_city(request)
    campaign = _campaign_or_none(request)
    cities = access.visible_cities(request.user).filter(pk__in=roles.city_ids).order_by("seed_order")
    context = {"campaign": campaign, "cities": cities, "campaigns": Campaign.objects.order_by("-year")}
    if campaign is not None:
        rows, total = progress.campaign_progress(campaign, cities)
        progress.district_progress(campaign, rows)
        units = access.reviewable_units(request.user).filter(city_id__in=roles.city_ids)
        context.update({
            "rows": rows, "total": total, "todo": progress.city_todo(campaign, units), "deadlines": _deadlines(campaign),
            "deadline_passed": review_services.city_deadline_passed(campaign),
        })
    return render(request, "reviews/city_dashboard.html", context)


@login_required
def enterprise_home(request):
    roles = access.roles_of(request.user)
    if not roles.is_enterprise:
        raise PermissionDenied
    campaign = _campaign_or_none(request)
    units = access.visible_units(request.user).filter(pk__in=roles.unit_ids).select_related("city", "industry")
    if campaign is not None:
        units = units.prefetch_related(
            Prefetch("filings", queryset=Filing.objects.filter(campaign=campaign), to_attr="campaign_filings"),
            Prefetch("proposals", queryset=AdjustmentProposal.objects.filter(campaign=campaign), to_attr="campaign_proposals"),
        )
    cards = []
    for unit in units:
        filing = unit.campaign_filings[0] if campaign is not None and unit.campaign_filings else None
        proposal = unit.campaign_proposals[0] if campaign is not None and unit.campaign_proposals else None
        step = progress.next_step(unit, filing, campaign) if campaign is not None else "no_campaign"
        cards.append({
            "unit": unit, "filing": filing, "step": step,
            "proposal": proposal if proposal and proposal.state == ProposalState.APPROVED else None,
            "edit_url": url_or_none("reviews:filing_edit", year=campaign.year, unit_pk=unit.pk) if campaign else None,
            "detail_url": url_or_none("reviews:filing_detail", pk=filing.pk) if filing else None,
        })
    return render(request, "reviews/enterprise_home.html", {"campaign": campaign, "cards": cards})
