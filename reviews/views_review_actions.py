"""The review page's one-action paths: accept the suggested verdicts, accept and open the next filing of the
queue, the compliance verification and the disposition of a declared finding. Thin: one service call each."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from greenmfg.rules import require

from . import rules as review_rules
from .forms import ComplianceForm, DispositionForm, IndicatorChecksForm
from .services import review as review_services
from .services.context import filing_context
from .services.review import ReviewError
from .views_review import _fail, _render_review, _review_filing, review_step


def _partial_checks(request, filing):
    """The verdict form as posted: verdicts left open are not recorded (the suggestions fill what they can)."""
    checks = {c.code: c for c in filing.checks.all()}
    rows = filing_context(filing)
    return IndicatorChecksForm(request.POST, filing=filing, checks=checks, rows=rows, partial=True), rows


@login_required
@require_POST
def review_suggestions(request, pk: int):
    """Record every suggested verdict at once; the verdicts the reviewer changed in the form override them."""
    filing = _review_filing(request, pk)
    require(review_rules.can_check(request.user, filing.unit, filing.campaign))  # the city, or its district
    form, rows = _partial_checks(request, filing)
    if not form.is_valid():
        messages.error(request, _("The checks were not saved: see the indicators marked in red."))
        return _render_review(request, filing, checks_form=form, status=400)
    try:
        saved = review_services.accept_suggestions(filing, actor=request.user, overrides=form.verdicts(), rows=rows)
    except ReviewError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("%(n)d verdict(s) recorded.") % {"n": len(saved)})
    return redirect("reviews:review_filing", pk=filing.pk)


@login_required
@require_POST
def review_accept_next(request, pk: int):
    """The usual case: the verdicts as shown (suggestions and overrides), acceptance, then the next filing."""
    filing = _review_filing(request, pk)
    review_services.require_city_reviewer(request.user, filing.unit)
    form, _rows = _partial_checks(request, filing)
    if not form.is_valid():
        messages.error(request, _("The checks were not saved: see the indicators marked in red."))
        return _render_review(request, filing, checks_form=form, status=400)
    try:
        review_services.accept_with_suggestions(filing, actor=request.user, overrides=form.verdicts())
    except ReviewError as exc:
        _fail(request, exc)
        return redirect("reviews:review_filing", pk=filing.pk)
    following = review_services.next_in_queue(request.user, filing)
    if following is None:
        messages.success(request, _("The filing was accepted. The queue is empty."))
        return redirect(f"{reverse('reviews:review_list')}?year={filing.campaign.year}")
    left = review_services.queue(request.user, filing.campaign).count()
    messages.success(request, _("The filing was accepted. %(n)d filing(s) left in the queue.") % {"n": left})
    return redirect("reviews:review_filing", pk=following.pk)


@login_required
@require_POST
def review_compliance(request, pk: int):
    filing = _review_filing(request, pk)
    review_services.require_city_reviewer(request.user, filing.unit)
    form = ComplianceForm(request.POST, verifications={c.item: c for c in filing.compliance_checks.all()})
    return review_step(
        request, filing, form, "compliance_form",
        lambda: review_services.record_compliance(filing, form.verifications(), actor=request.user),
        invalid=_("The verification was not saved: see the items marked in red."),
        done=_("The compliance verification was saved."))


@login_required
@require_POST
def review_disposition(request, pk: int):
    filing = _review_filing(request, pk)
    review_services.require_city_reviewer(request.user, filing.unit)
    form = DispositionForm(request.POST)
    return review_step(
        request, filing, form, "disposition_form",
        lambda: review_services.record_disposition(filing, form.cleaned_data["disposition"],
                                                   form.cleaned_data["note"], actor=request.user),
        invalid=_("The disposition was not saved: see the fields marked in red."),
        done=_("The disposition was recorded."))
