"""Bulk pages: the province decides many proposals (or records one MIIT document against many) after one
confirmation page; a city proposes "keep" for its units accepted without findings after reviewing the list.

Views stay thin: the selection comes through registry.access and reviews.proposal_filters, the plan and the
step from reviews.services.bulk, and every skipped item is shown with its reason.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from registry import access
from registry.params import int_list, int_or_none

from .forms import BulkProposalForm
from .models import Campaign
from .proposal_filters import ProposalFilter
from .services import bulk
from .services import review as review_services
from .services.review import ReviewError
from .views_review import _campaign

SHOWN = 200  # names listed on a confirmation page; the counts are always complete


def _report_messages(request, done: int, skipped: list[str], done_message: str) -> None:
    if done:
        messages.success(request, done_message % {"n": done})
    for reason in skipped[:20]:
        messages.warning(request, reason)
    if len(skipped) > 20:
        messages.warning(request, _("… and %(n)d more left alone.") % {"n": len(skipped) - 20})


def _selection(request, form: BulkProposalForm):
    """(campaign, proposals queryset, filter query) of the posted selection, always within the user's scope."""
    filter_query = form.cleaned_data.get("filter") or ""
    params = QueryDict(filter_query)
    campaign = Campaign.objects.filter(year=int_or_none(params.get("year")) or 0).first() or _campaign(request)
    proposals = review_services.reviewable_proposals(request.user).filter(campaign=campaign)
    if form.cleaned_data.get("all_matching"):
        proposals = ProposalFilter.from_params(params).apply(proposals)
    else:
        proposals = proposals.filter(pk__in=int_list(request.POST.getlist("proposals")))
    return campaign, proposals.order_by("unit__city__seed_order", "unit__name", "pk"), filter_query


@login_required
@require_POST
def proposals_bulk(request):
    """Step 1 (no `confirmed`): the confirmation page says what will happen to whom. Step 2: do it."""
    access.require_province(request.user)
    form = BulkProposalForm(request.POST)
    back = f"{reverse('reviews:proposal_list')}?{request.POST.get('filter', '')}"
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(back)
    campaign, proposals, filter_query = _selection(request, form)
    action, data = form.cleaned_data["action"], form.cleaned_data
    if not proposals.exists():
        messages.error(request, _("Select at least one proposal."))
        return redirect(back)
    if request.POST.get("confirmed") != "1":
        plan = bulk.plan_miit(proposals) if form.is_miit else bulk.plan_decisions(proposals)
        return render(request, "reviews/proposal_bulk_confirm.html", {
            "campaign": campaign, "form": form, "action_label": dict(form.fields["action"].choices)[action],
            "plan": plan, "shown": plan.done[:SHOWN], "more": max(len(plan.done) - SHOWN, 0),
            "skipped_shown": plan.skipped[:SHOWN], "ids": [] if data["all_matching"] else [p.pk for p in proposals],
            "back": back, "filter_query": filter_query,
        })
    try:
        if form.is_miit:
            _document, report = bulk.record_miit_document(
                proposals, outcome=BulkProposalForm.MIIT_ACTIONS[action], number=data["number"],
                decided_on=data["decided_on"], title=data["title"], actor=request.user, note=data["comment"])
            done_message = _("MIIT's document was recorded against %(n)d proposal(s).")
        else:
            report = bulk.decide_bulk(proposals, action, actor=request.user, comment=data["comment"])
            done_message = _("%(n)d proposal(s) decided.")
    except ReviewError as exc:
        messages.error(request, str(exc))
    else:
        _report_messages(request, len(report.done), report.skipped, done_message)
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def keep_many(request):
    """A city proposes "keep" for its units accepted without findings: the list first, then one action."""
    if not access.roles_of(request.user).is_city_reviewer:
        raise PermissionDenied(_("Only a city bureau proposes outcomes for its units."))
    campaign = _campaign(request)
    if request.method == "POST":
        unit_pks = int_list(request.POST.getlist("units"))
        if not unit_pks:
            messages.error(request, _("Select at least one unit."))
        else:
            try:
                report = bulk.propose_keep_many(campaign, unit_pks, actor=request.user)
            except ReviewError as exc:
                messages.error(request, str(exc))
            else:
                _report_messages(request, len(report.done), report.skipped,
                                 _("“Keep” was proposed for %(n)d unit(s); submit them with the city's package."))
                return redirect(f"{reverse('reviews:proposal_list')}?{urlencode({'year': campaign.year, 'state': 'draft'})}")
    filings = list(bulk.keep_candidates(campaign, request.user))
    return render(request, "reviews/keep_many.html", {"campaign": campaign, "filings": filings})
