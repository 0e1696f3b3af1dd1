"""The enterprise's filing pages, the read-only filing page, and the filing spreadsheets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from registry import access
from registry.models import Unit
from registry.params import int_or_none
from registry.xlsx import xlsx_response

from . import audit, rules, uploads
from .forms_filing import SECTIONS, BulkUploadForm, FilingForm, UploadForm, unit_of
from .indicators import BY_CODE, indicators_for, key_indicators
from .labels import audit_rows
from .models import Campaign, Filing, PriorYearValue
from .services import filings as service
from .services.context import filing_context, shown_years
from .services.declared import compliance_rows, declared_changes
from .views_evidence import panel as evidence_panel

MAX_PRIOR = Decimal("1e17")  # the column holds 18 digits before the point


def decimal_or_none(raw: str) -> Decimal | None:
    try:
        value = Decimal(raw.replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _campaign(year: int) -> Campaign:
    return get_object_or_404(Campaign, year=year)


def _own_unit(request, unit_pk: int) -> Unit:
    """The unit, if the user may see it (else 404); only its own enterprise may file (else 403)."""
    unit = get_object_or_404(access.visible_units(request.user).select_related("city", "industry"), pk=unit_pk)
    if not service.can_file_for(request.user, unit):
        raise PermissionDenied
    return unit


def _indicator_values(filing: Filing) -> dict:
    return dict(filing.indicators.values_list("code", "value")) if filing.pk else {}


def _indicator_rows(values: dict, kind: str) -> list[dict]:
    return [{"indicator": indicator, "value": values.get(indicator.code)} for indicator in indicators_for(kind)]


def _declared_context(filing: Filing) -> dict:
    """The indicators in context, the declared blocks and the history: what the city sees, the enterprise sees."""
    values, flags = _indicator_values(filing), _flags(filing)
    rows = filing_context(filing, values, flags)
    verifications = {c.item: c for c in filing.compliance_checks.all()} if filing.pk else {}
    return {
        "context_rows": rows, "context_years": shown_years(filing),
        "changes": declared_changes(filing), "compliance_rows": compliance_rows(filing, verifications),
        "history": audit_rows(audit.history(filing), "filing") if filing.pk else [],
        "indicator_rows": _indicator_rows(values, filing.unit.kind), "flags": flags,
    }


def _prior_inputs(request, filing: Filing) -> tuple[list[dict], dict, list[str]]:
    """The earlier years' inputs of a unit new to the portal: (rows for the page, posted values, errors)."""
    if not rules.can_enter_prior_years(filing):
        return [], {}, []
    years = shown_years(filing)[:-1]
    existing = {(p.year, p.code): p.value for p in PriorYearValue.objects.filter(unit=filing.unit, year__in=years)}
    rows, posted, errors = [], {}, []
    for indicator in key_indicators(filing.unit.kind):
        cells = []
        for year in years:
            name = f"prior-{year}-{indicator.code}"
            raw = request.POST.get(name, "").strip() if request.method == "POST" else None
            value = existing.get((year, indicator.code))
            if raw is not None:
                parsed = decimal_or_none(raw)
                if raw and (parsed is None or not 0 <= parsed < MAX_PRIOR):
                    errors.append(_("%(name)s (%(year)d): enter a number of 0 or more.")
                                  % {"name": indicator.label, "year": year})
                posted.setdefault(year, {})[indicator.code] = parsed
                value = raw
            cells.append({"name": name, "year": year, "value": value})
        rows.append({"indicator": indicator, "cells": cells})
    return rows, posted, errors


def _flags(filing: Filing):
    if not filing.pk:
        return []
    flags = list(filing.flags.all())
    for flag in flags:
        flag.indicator = BY_CODE.get(flag.code)
    return flags


@login_required
@require_http_methods(["GET", "POST"])
def filing_edit(request, year: int, unit_pk: int):
    campaign = _campaign(year)
    unit = _own_unit(request, unit_pk)
    filing = Filing.objects.filter(campaign=campaign, unit=unit).first() or Filing(campaign=campaign, unit=unit)
    filing.unit = unit
    if filing.pk and not filing.is_editable:
        return redirect("reviews:filing_detail", pk=filing.pk)
    if not campaign.is_filing_open():
        messages.info(request, _("Filing for %(year)d opens on %(date)s.") % {"year": year, "date": campaign.filing_opens})
    form = FilingForm(request.POST or None, instance=filing, kind=unit.kind)
    prior_rows, prior_values, prior_errors = _prior_inputs(request, filing)
    for error in prior_errors:
        form.add_error(None, error)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "save")
        explanations = {int_or_none(k.removeprefix("explain-")): v for k, v in request.POST.items()
                        if k.startswith("explain-") and int_or_none(k.removeprefix("explain-")) is not None}
        saved, existed = False, filing.pk is not None
        try:
            with transaction.atomic():
                if not filing.pk:
                    filing = service.filing_for(campaign, unit, actor=request.user)
                service.save_filing(filing, form.changed_data_for_save(), actor=request.user,
                                    expected_version=form.cleaned_data["version"])
                service.save_explanations(filing, explanations)
                if prior_values:
                    service.save_prior_values(filing, prior_values, actor=request.user)
            saved = True
            if action == "submit":
                service.submit_filing(filing, actor=request.user, explanations=explanations)
                messages.success(request, _("Submitted. The city bureau will now review your filing."))
                return redirect("reviews:filing_detail", pk=filing.pk)
            messages.success(request, _("Draft saved. Derived indicators are shown below each section."))
            return redirect("reviews:filing_edit", year=year, unit_pk=unit.pk)
        except service.FilingInvalid as exc:
            for problem in exc.problems:
                if problem.field in form.fields:
                    form.add_error(problem.field, problem.message)
                else:
                    form.add_error(None, problem.message)
            if saved:
                messages.warning(request, _("Your entries were saved as a draft, but the filing could not be submitted yet."))
            else:
                messages.error(request, str(exc))
        except service.StaleFiling as exc:
            messages.error(request, str(exc))
        except service.FilingError as exc:
            messages.error(request, str(exc))
        if existed or saved:
            filing.refresh_from_db()
        else:  # the row created for this attempt was rolled back with it
            filing = Filing(campaign=campaign, unit=unit)
    elif request.method == "POST":
        messages.error(request, _("Some values could not be saved; see the fields marked in red."))
    return render(request, "reviews/filing_edit.html", {
        "campaign": campaign, "unit": unit, "filing": filing, "form": form,
        "prior_rows": prior_rows,
        "prior_years": shown_years(filing)[:-1], **_declared_context(filing),
        "evidence": evidence_panel(request, filing=filing),
    })


def _visible_filing(request, pk: int) -> Filing:
    queryset = access.scoped(Filing.objects.select_related("campaign", "unit__city", "unit__industry"), request.user)
    return get_object_or_404(queryset, pk=pk)


@login_required
def filing_detail(request, pk: int):
    filing = _visible_filing(request, pk)
    sections = []
    for title, names in SECTIONS[filing.unit.kind]:
        sections.append((title, [(Filing._meta.get_field(n).verbose_name, getattr(filing, n), unit_of(n),
                                  isinstance(getattr(filing, n), Decimal | int) and not isinstance(getattr(filing, n), bool))
                                 for n in names]))
    return render(request, "reviews/filing_detail.html", {
        "filing": filing, "unit": filing.unit, "sections": sections,
        **_declared_context(filing),
        "can_edit": filing.is_editable and service.can_file_for(request.user, filing.unit),
        "evidence": evidence_panel(request, filing=filing),
    })


@login_required
def filing_xlsx(request, year: int, unit_pk: int):
    campaign = _campaign(year)
    unit = get_object_or_404(access.visible_units(request.user), pk=unit_pk)
    filing = Filing.objects.filter(campaign=campaign, unit=unit).first() or Filing(campaign=campaign, unit=unit)
    filing.unit, filing.campaign = unit, campaign
    return xlsx_response(f"动态管理表-{year}-{unit.credit_code}.xlsx", [uploads.filing_sheet(filing)])


@login_required
@require_http_methods(["GET", "POST"])
def filing_upload(request, year: int, unit_pk: int):
    campaign = _campaign(year)
    unit = _own_unit(request, unit_pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    parsed = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        parsed = uploads.parse_single(upload, filename=upload.name, kind=unit.kind)
        if not parsed.file_error and not parsed.errors:
            try:
                with transaction.atomic():
                    filing = service.filing_for(campaign, unit, actor=request.user)
                    service.save_filing(filing, parsed.data, actor=request.user)
            except service.FilingInvalid as exc:
                parsed.errors = [uploads.RowError(0, uploads.label_zh(p.field), str(p.message)) for p in exc.problems]
            except service.FilingError as exc:
                parsed.file_error = str(exc)
            else:
                messages.success(request, _("The spreadsheet was loaded into your draft. Check it, then submit."))
                return redirect("reviews:filing_edit", year=year, unit_pk=unit.pk)
        messages.error(request, _("Nothing was saved. Fix the problems below and upload the file again."))
    return render(request, "reviews/filing_upload.html", {"campaign": campaign, "unit": unit, "form": form, "parsed": parsed})


@login_required
def city_upload_template(request, year: int):
    campaign = _campaign(year)
    access.require_staff(request.user)
    units = access.reviewable_units(request.user).filter(status="listed").select_related("city").order_by("kind", "name")
    return xlsx_response(f"动态管理表批量上传模板-{campaign.year}.xlsx", uploads.bulk_sheets(units))


@login_required
@require_http_methods(["GET", "POST"])
def city_upload(request, year: int):
    campaign = _campaign(year)
    access.require_staff(request.user)
    form = BulkUploadForm(request.POST or None, request.FILES or None)
    parsed, problems = None, []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        units = uploads.units_by_code(access.reviewable_units(request.user).filter(status="listed"))
        parsed = uploads.parse_bulk(upload, filename=upload.name, units_by_code=units, max_rows=settings.UPLOAD_MAX_ROWS)
        if not parsed.file_error and not parsed.errors:
            problems = service.apply_bulk(campaign, parsed.rows, actor=request.user, submit=form.cleaned_data["submit"])
            if not problems:
                messages.success(request, _("%(n)d filings were saved.") % {"n": len(parsed.rows)})
                return redirect("reviews:city_upload", year=year)
            parsed.errors = [uploads.RowError(r, c, m) for r, c, m in problems]
        messages.error(request, _("Nothing was saved. Fix the problems below and upload the file again."))
    return render(request, "reviews/filing_city_upload.html", {"campaign": campaign, "form": form, "parsed": parsed})
