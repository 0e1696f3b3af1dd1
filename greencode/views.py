"""Thin views over greencode.services: the enterprise's codes, public verification, the province's runs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from greenmfg.rules import require
from registry import access, params
from registry import rules as registry_rules
from registry.enums import UnitKind
from registry.models import Unit
from registry.views import paginate, querystring_without_page
from registry.xlsx import Sheet, filter_line, xlsx_response
from reviews.indicators import BY_CODE

from . import applicability, links, qr, ratelimit
from . import rules as code_rules
from .enums import REASON_ADVICE, CodeState, CodeStatus, Grade, NoCodeReason
from .forms import BenchmarkForm, MethodForm, NotApplicableForm, ReinstateForm, VerifyForm
from .models import Benchmark, GreenCode, MethodPage, NotApplicable, Score, ScoreRun
from .ratelimit import rate_limited
from .services import benchmarks as benchmark_service
from .services import codes as code_service
from .services import pages, queue, scoring, signatures


def _verify_url(request, code: GreenCode) -> str:
    return links.verification_url(code)  # from PORTAL_BASE_URL, never from the request's Host header


def _qr_svg(url: str) -> str:
    return qr.inline_svg(url)


# ---------------------------------------------------------------- enterprise

@login_required
def my_codes(request):
    """The enterprise's factories, each with its newest score and code."""
    units = list(access.visible_units(request.user).filter(
        pk__in=sorted(access.roles_of(request.user).unit_ids), kind=UnitKind.FACTORY).select_related("industry"))
    if not access.roles_of(request.user).unit_ids:
        raise PermissionDenied
    latest = {}
    for s in (Score.objects.filter(unit__in=units, run__status="finished").select_related("run")
              .order_by("unit_id", "-run__year", "-run__finished_at")):
        if s.run.level == next(u.level for u in units if u.pk == s.unit_id):
            latest.setdefault(s.unit_id, s)
    codes = {}
    for c in GreenCode.objects.filter(unit__in=units).order_by("-year"):
        codes.setdefault(c.unit_id, c)
    rows = [{"unit": u, "score": latest.get(u.pk), "code": codes.get(u.pk)} for u in units]
    return render(request, "greencode/my_codes.html", {"rows": rows})


def _unit_for(request, unit_id: int) -> Unit:
    """The unit, if the person may see it (its own enterprise, its city, the province); else 404."""
    return get_object_or_404(access.visible_units(request.user).select_related("industry", "city"), pk=unit_id,
                             kind=UnitKind.FACTORY)


@login_required
def unit_code(request, unit_id: int):
    unit = _unit_for(request, unit_id)
    history = list(Score.objects.filter(unit=unit, run__status="finished", run__level=unit.level)
                   .select_related("run", "industry").order_by("-run__year", "-run__finished_at", "-run_id"))
    by_year = {}
    for s in history:
        by_year.setdefault(s.run.year, s)
    years = sorted(by_year, reverse=True)
    try:
        year = int(request.GET.get("year") or (years[0] if years else 0))
    except ValueError:
        year = years[0] if years else 0
    score = by_year.get(year)
    code = unit.green_codes.filter(year=year).first() if score else None  # code.unit is this unit: no query
    context = {
        "unit": unit, "score": score, "year": year, "years": years, "code": code,
        "earlier": [by_year[y] for y in years],
        "chart": pages.position_chart(list(by_year.values())),
        "can_apply": bool(registry_rules.acts_for(request.user, unit)),
    }
    if score is not None:
        context["indicators"] = pages.indicator_table(score)
        context["next_grade"], context["next_cut"] = pages.next_cut(score)
        if score.reason:
            context["advice"] = REASON_ADVICE.get(NoCodeReason(score.reason))
    else:
        context["advice"] = REASON_ADVICE[NoCodeReason.NOT_FILED]
    if code is not None:
        context["status"] = code_service.status_of(code)
        if registry_rules.is_province(request.user):
            context["code_history"] = list(code_service.history(code))
            context["can_reinstate"] = bool(code_rules.can_reinstate(request.user, code))
        if code.state != CodeState.WITHDRAWN:
            url = _verify_url(request, code)
            context["verify_url"], context["qr"] = url, _qr_svg(url)
    return render(request, "greencode/unit_code.html", context)


@login_required
@require_POST
def apply(request, unit_id: int):
    unit = _unit_for(request, unit_id)
    require(registry_rules.acts_for(request.user, unit))  # staff may look at a code; only the enterprise applies
    year = params.int_or_none(request.POST.get("year", ""))
    try:
        if year is None or not 2016 <= year <= 2100:
            raise code_service.CodeError(_("Year: choose the year of the code."))
        code = code_service.apply_for_code(request.user, unit, year)
    except code_service.CodeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your green code %(number)s is issued.") % {"number": code.number})
        return redirect(f"{reverse('greencode:unit_code', args=[unit.pk])}?year={code.year}")
    return redirect("greencode:unit_code", unit_id=unit.pk)


def _own_code(request, code_id: int) -> GreenCode:
    return get_object_or_404(access.scoped(GreenCode.objects.select_related("unit", "unit__industry"), request.user),
                             pk=code_id)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, code_id: int):
    code = _own_code(request, code_id)
    require(registry_rules.acts_for(request.user, code.unit))  # only the enterprise withdraws its code
    if request.method == "POST":
        try:
            code_service.withdraw_code(request.user, code)
        except code_service.CodeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The code %(number)s is withdrawn; verification now shows it as unknown.")
                             % {"number": code.number})
        return redirect(f"{reverse('greencode:unit_code', args=[code.unit_id])}?year={code.year}")
    return render(request, "greencode/withdraw_confirm.html", {"code": code})


@login_required
def certificate(request, code_id: int):
    code = _own_code(request, code_id)
    if code.state == CodeState.WITHDRAWN:
        raise Http404
    score = code.score if code.score_id else None
    url = _verify_url(request, code)
    return render(request, "greencode/certificate.html", {
        "code": code, "score": Score.objects.select_related("run").filter(pk=code.score_id).first() if score else None,
        "status": code_service.status_of(code), "verify_url": url, "qr": _qr_svg(url)})


# ---------------------------------------------------------------- public verification

@never_cache
@require_GET
@rate_limited("page")
def verify(request, token: str | None = None):
    form = VerifyForm(request.GET or None)
    result = None
    if token is not None:
        result = code_service.verify(token=token)
    elif request.GET and form.is_valid():
        try:
            result = ratelimit.verify_number(request, form.cleaned_data["number"])
        except ratelimit.TooManyMisses:
            return ratelimit.misses_response(request, api=False)
    return render(request, "greencode/verify.html", {"form": form, "result": result, "token": token,
                                                      "statuses": CodeStatus})


@never_cache
@require_GET
@rate_limited("api")
def verify_api(request):
    token, number = request.GET.get("token"), request.GET.get("number")
    if not token and not number:
        return JsonResponse({"error": _("Give a token or a code number.")}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    if token:
        result = code_service.verify(token=token)
    else:
        try:
            result = ratelimit.verify_number(request, number)
        except ratelimit.TooManyMisses:
            return ratelimit.misses_response(request, api=True)
    data = result.as_json()
    if result.status == CodeStatus.VALID:  # the signed payload, for a bank's system to keep and check offline
        data["signed"] = {"token": signatures.sign(result.code), "keys": links.keys_url()}
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# ---------------------------------------------------------------- method page (public) and the province

def method(request):
    page = MethodPage.objects.first()
    return render(request, "greencode/method.html", {
        "page": page, "weights": scoring.indicator_weights(), "group_weights": scoring.GROUP_WEIGHTS,
        "labels": {c: BY_CODE[c].label for c in scoring.indicator_weights()},
        "version": scoring.current_method(), "applicability": applicability.table(),
        "applicability_version": applicability.current_version(),
        "can_publish": access.roles_of(request.user).province})


@login_required
@require_http_methods(["GET", "POST"])
def method_publish(request):
    access.require_province(request.user)
    current = MethodPage.objects.first()
    form = MethodForm(request.POST or None, initial={"body": current.body if current else ""})
    if request.method == "POST" and form.is_valid():
        MethodPage.objects.create(body=form.cleaned_data["body"], version=scoring.current_method(),
                                  published_by=request.user)
        messages.success(request, _("The method page is published."))
        return redirect("greencode:method")
    return render(request, "greencode/method_publish.html", {"form": form})


@login_required
def runs(request):
    access.require_province(request.user)
    qs = ScoreRun.objects.all()
    year, level = request.GET.get("year", ""), request.GET.get("level", "")
    if params.int_or_none(year) is not None:
        qs = qs.filter(year=params.int_or_none(year))
    if level in ("national", "provincial"):
        qs = qs.filter(level=level)
    return render(request, "greencode/runs.html", {"page": paginate(request, qs), "year": year, "level": level,
                                                   "querystring": querystring_without_page(request)})


@login_required
@require_POST
def rescore(request):
    access.require_province(request.user)
    year = params.int_or_none(request.POST.get("year", ""))
    if year is None or not 2016 <= year <= 2100:
        messages.error(request, _("Year: enter a year such as 2024."))
        return redirect("greencode:runs")
    level = request.POST.get("level", "national")
    if level not in ("national", "provincial"):
        messages.error(request, _("Level: choose national or provincial."))
        return redirect("greencode:runs")
    queue.request_rescore(year, level, reason=f"requested by {request.user}")
    messages.success(request, _("A re-score of %(year)s is queued; it appears below when it has finished.")
                     % {"year": year})
    return redirect("greencode:runs")


def _run(request, run_id: int) -> ScoreRun:
    access.require_province(request.user)
    return get_object_or_404(ScoreRun, pk=run_id)


@login_required
def run_detail(request, run_id: int):
    run = _run(request, run_id)
    return render(request, "greencode/run_detail.html", {"run": run, "overview": pages.run_overview(run),
                                                         "sensitivity": pages.sensitivity_table(run),
                                                         "previous": pages.previous_run(run) if run.finished_at else None})


def _filtered_scores(request, run: ScoreRun):
    """The run's scores with the page's filters (grade, no-code reason, name or code), and the filter line naming them.
    The list page and its export share it, so the export is exactly what is on screen."""
    # Rank order, ties by unit id: the (run, rank) index answers a page without sorting the whole run.
    qs = Score.objects.filter(run=run).select_related("unit", "unit__city", "industry").order_by("rank", "unit_id")
    grade, reason, q = request.GET.get("grade", ""), request.GET.get("reason", ""), request.GET.get("q", "").strip()
    if grade in Grade.values:
        qs = qs.filter(grade=grade)
    else:
        grade = ""
    if reason in NoCodeReason.values and reason:
        qs = qs.filter(reason=reason)
    else:
        reason = ""
    if q:
        qs = qs.filter(Q(unit__name__icontains=q) | Q(unit__credit_code__iexact=q))
    filters = filter_line([("等级", grade), ("未赋码原因", NoCodeReason(reason).label if reason else ""),
                           ("名称或信用代码", q)])
    return qs, (grade, reason, q), filters


@login_required
def run_scores(request, run_id: int):
    run = _run(request, run_id)
    qs, (grade, reason, q), _filters = _filtered_scores(request, run)
    page = paginate(request, qs)
    page.object_list = list(page.object_list)
    for score in page.object_list:
        score.run = run  # shared, not joined into every row (the run carries a large JSON of peer groups)
    return render(request, "greencode/run_scores.html", {
        "run": run, "page": page, "grade": grade, "reason": reason, "q": q,
        "grades": Grade.values, "reasons": [r for r in NoCodeReason if r.value],
        "querystring": querystring_without_page(request), "export_query": querystring_without_page(request)})


@login_required
def run_compare(request, run_id: int):
    run = _run(request, run_id)
    previous = pages.previous_run(run)
    if previous is None:
        page, moved = paginate(request, []), 0
    else:
        # Set-based: the database finds the factories whose grade differs from the previous run.
        before = Score.objects.filter(run=previous, unit_id=OuterRef("unit_id")).values("grade")[:1]
        moved_qs = (Score.objects.filter(run=run).annotate(old=Coalesce(Subquery(before), Value("")))
                    .exclude(old=F("grade")).select_related("unit").order_by("unit__name"))
        page = paginate(request, moved_qs)
        moved = page.paginator.count
        page.object_list = [{"unit": s.unit, "old": s.old, "new": s.grade,
                             "reason": s.get_reason_display() if s.reason else ""} for s in page.object_list]
    return render(request, "greencode/run_compare.html", {"run": run, "previous": previous, "page": page,
                                                          "moved": moved,
                                                          "querystring": querystring_without_page(request)})


@login_required
def run_export(request, run_id: int):
    run = _run(request, run_id)
    codes = scoring.indicator_weights()

    scores, _values, filters = _filtered_scores(request, run)

    def rows():
        # The run (with its large JSON of peer groups) is read once and shared, not joined into every row.
        for s in scores.iterator(chunk_size=2000):
            s.run = run
            subs = {r["code"]: r for r in s.indicator_rows()}
            yield [s.unit.name, s.unit.credit_code, s.unit.city.name, str(s.industry), s.grade,
                   str(s.get_reason_display()) if s.reason else "",
                   float(s.composite) if s.composite is not None else None, s.rank, s.position,
                   s.industry_rank, s.industry_position,
                   *[subs[c]["points"] if c in subs else None for c in codes]]

    headers = [_("Unit"), _("Unified social credit code"), _("City"), _("Industry"), _("Grade"), _("No-code reason"),
               _("Composite"), _("Rank"), _("Top x % (province)"), _("Rank in the industry"),
               _("Top y % (industry)"), *[str(BY_CODE[c].label) for c in codes]]
    title = _("Green-code scores %(year)s, %(level)s, run %(id)s") % {
        "year": run.year, "level": run.get_level_display(), "id": run.pk}
    return xlsx_response(f"greencode-{run.year}-{run.level}-run{run.pk}.xlsx",
                         [Sheet(title=str(run.year), headers=headers, rows=rows(), title_line=title, note_line=filters)])


@login_required
@require_http_methods(["GET", "POST"])
def benchmarks(request):
    access.require_province(request.user)
    form = BenchmarkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        benchmark_service.set_benchmark(d["industry"], d["code"], d["baseline"], d["leading"], actor=request.user)
        messages.success(request, _("Saved. The values apply from the next run."))
        return redirect("greencode:benchmarks")
    qs = Benchmark.objects.select_related("industry").all()
    page = paginate(request, qs)
    for b in page:
        b.label = BY_CODE[b.code].label if b.code in BY_CODE else b.code
    return render(request, "greencode/benchmarks.html", {"form": form, "page": page,
                                                         "querystring": querystring_without_page(request)})


def _confirmed_removal(request, model, pk: int, remove, done: str, back: str, template: str, name: str):
    """The province removes one (industry, indicator) row after a confirmation page; `remove` audits it."""
    access.require_province(request.user)
    row = get_object_or_404(model.objects.select_related("industry"), pk=pk)
    if request.method == "POST":
        remove(row, actor=request.user)
        messages.success(request, done)
        return redirect(back)
    return render(request, template, {name: row, "label": BY_CODE[row.code].label})


@login_required
@require_http_methods(["GET", "POST"])
def benchmark_remove(request, pk: int):
    """Removing a pair is confirmed first and written to the audit trail."""
    return _confirmed_removal(request, Benchmark, pk, benchmark_service.remove_benchmark,
                              _("The values are removed; the next run scores that indicator by percentile."),
                              "greencode:benchmarks", "greencode/benchmark_remove.html", "benchmark")


@login_required
@require_http_methods(["GET", "POST"])
def applicability_table(request):
    """Method v1.1's applicability table: the province records which indicators do not apply to a division."""
    access.require_province(request.user)
    form = NotApplicableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        applicability.set_not_applicable(d["industry"], d["code"], d["reason"], actor=request.user)
        messages.success(request, _("Saved. The table applies from the next run."))
        return redirect("greencode:applicability")
    page = paginate(request, NotApplicable.objects.select_related("industry"))
    for row in page:
        row.label = BY_CODE[row.code].label
    return render(request, "greencode/applicability.html", {
        "form": form, "page": page, "querystring": querystring_without_page(request),
        "version": applicability.current_version(), "builtin": applicability.NOT_APPLICABLE})


@login_required
@require_http_methods(["GET", "POST"])
def applicability_remove(request, pk: int):
    """Removing an exception (the indicator applies again) is confirmed first and audited."""
    return _confirmed_removal(request, NotApplicable, pk, applicability.remove_not_applicable,
                              _("Removed. From the next run the indicator applies to this industry again."),
                              "greencode:applicability", "greencode/applicability_remove.html", "row")


@login_required
@require_POST
def reinstate(request, code_id: int):
    """The province lifts a revocation, with a reason; the code's history records it."""
    access.require_province(request.user)
    code = get_object_or_404(GreenCode.objects.select_related("unit"), pk=code_id)
    form = ReinstateForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            code_service.reinstate_code(request.user, code, reason=form.cleaned_data["reason"])
        except code_service.CodeError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The code %(number)s is reinstated.") % {"number": code.number})
    return redirect(f"{reverse('greencode:unit_code', args=[code.unit_id])}?year={code.year}")
