"""Pages for MIIT's published lists (the province's import and reconciliation), enterprises (legal entities)
and the review areas below the city. Thin: the rules live in registry.published_lists and registry.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from greenmfg.rules import require

from . import access, rules, services
from .enums import UnitStatus
from .forms import CreditCodeForm, ListImportForm, ReviewAreaForm
from .models import City, District, Enterprise, Industry, ListImport
from .params import int_or_none
from .published_lists import AMBIGUOUS, NEEDS_CITY, ListNameError, NotReady, apply_import, make_plan, start_import
from .spreadsheet_import import ImportFileError

DECISION_FIELDS = ("unit", "city", "district", "industry", "parent_code")


@login_required
@require_http_methods(["GET", "POST"])
def list_imports(request):
    """Upload a list MIIT published; earlier uploads below."""
    access.require_province(request.user)
    posted = request.method == "POST"
    form = ListImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            list_import = start_import(data["file"], kind=data["kind"], list_name=data["list_name"],
                                       purpose=data["purpose"], notice=data["notice"],
                                       published_on=data["published_on"], filename=data["file"].name,
                                       actor=request.user)
        except (ImportFileError, ListNameError) as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("registry:list_import", pk=list_import.pk)
    imports = ListImport.objects.select_related("created_by", "applied_by").defer("rows", "decisions")[:50]
    return render(request, "registry/list_imports.html", {"form": form, "imports": imports},
                  status=400 if form.errors else 200)


def _decisions_from(post, plan) -> dict:
    """The province's choices for the rows the page offered, as {row: {field: value}}; empty choices dropped."""
    decisions = {}
    for r in plan.rows:
        choice = {}
        for name in DECISION_FIELDS:
            value = post.get(f"row-{r.row}-{name}", "").strip()
            if value:
                choice[name] = value[:40]
        if choice:
            decisions[str(r.row)] = choice
    return decisions


@login_required
@require_http_methods(["GET", "POST"])
def list_import(request, pk: int):
    """Every row of an upload, classified; the open rows get the province's decision; then apply, all or
    nothing."""
    access.require_province(request.user)
    list_import = get_object_or_404(ListImport, pk=pk)
    status = 200
    if request.method == "POST" and list_import.applied_at is None:
        plan = make_plan(list_import.rows, kind=list_import.kind, purpose=list_import.purpose,
                         decisions=list_import.decisions)
        list_import.decisions = _decisions_from(request.POST, plan)
        list_import.save(update_fields=["decisions"])
        if request.POST.get("action") == "apply":
            try:
                result = apply_import(list_import, actor=request.user)
            except NotReady as exc:
                messages.error(request, str(exc))
                status = 400
            else:
                messages.success(request, _("%(list)s applied: %(created)d created, %(updated)d updated, "
                                            "%(unchanged)d unchanged.") % {"list": list_import.list_name, **result})
                return redirect("registry:list_import", pk=list_import.pk)
        else:
            messages.info(request, _("Decisions saved."))
            return redirect("registry:list_import", pk=list_import.pk)
    plan = make_plan(list_import.rows, kind=list_import.kind, purpose=list_import.purpose,
                     decisions=list_import.decisions)
    context = {
        "list_import": list_import, "plan": plan, "summary": plan.summary,
        "cities": City.objects.order_by("seed_order"),
        "districts": District.objects.select_related("city"),
        "industries": Industry.objects.order_by("code"),
        "AMBIGUOUS": AMBIGUOUS, "NEEDS_CITY": NEEDS_CITY,
    }
    return render(request, "registry/list_import.html", context, status=status)


def _visible_enterprise(request, pk: int) -> Enterprise:
    """An enterprise the person may see: one with a unit in their scope (404 otherwise)."""
    enterprise = get_object_or_404(Enterprise, pk=pk)
    if not access.visible_units(request.user).filter(enterprise=enterprise).exists():
        raise Http404
    return enterprise


@login_required
def enterprise_detail(request, pk: int):
    enterprise = _visible_enterprise(request, pk)
    units = (access.visible_units(request.user).filter(enterprise=enterprise)
             .select_related("city", "district", "listed_in").order_by("kind", "name"))
    return render(request, "registry/enterprise_detail.html", {
        "enterprise": enterprise, "units": units, "history": enterprise.history.select_related("actor")[:200],
        "can_set_code": bool(rules.can_set_credit_code(request.user, enterprise)),
    })


@login_required
@require_http_methods(["GET", "POST"])
def enterprise_code(request, pk: int):
    """Record or correct the credit code. Keeping a code that fails the check character is the province's."""
    enterprise = _visible_enterprise(request, pk)
    require(rules.can_set_credit_code(request.user, enterprise))
    province = bool(rules.is_province(request.user))
    form = CreditCodeForm(request.POST if request.method == "POST" else None, province=province,
                          initial={"credit_code": enterprise.credit_code or ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_credit_code(
                enterprise, form.cleaned_data["credit_code"], actor=request.user, reason=form.cleaned_data["reason"],
                accept_failed_check=form.cleaned_data.get("accept_failed_check", False))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The credit code was saved and written to the history."))
            return redirect("registry:enterprise_detail", pk=enterprise.pk)
    return render(request, "registry/enterprise_code.html", {"enterprise": enterprise, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def districts(request):
    """The districts and review areas of the person's cities, with the number of listed units in each; a city
    adds the development zones or towns it reviews through."""
    access.require_staff(request.user)
    cities = access.visible_cities(request.user).order_by("seed_order")
    form = ReviewAreaForm(request.POST if request.method == "POST" else None, cities=cities)
    if request.method == "POST" and form.is_valid():
        try:
            area = services.add_review_area(form.cleaned_data["city"], form.cleaned_data["name"], actor=request.user)
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
        else:
            messages.success(request, _("%(name)s was added to %(city)s.") % {"name": area.name, "city": area.city})
            return redirect(f"{request.path}?city={area.city_id}")
    city_id = int_or_none(request.GET.get("city", ""))
    selected = cities.filter(pk=city_id).first() if city_id is not None else cities.first()
    areas = []
    if selected is not None:
        areas = (District.objects.filter(city=selected)
                 .annotate(n_units=Count("units", filter=Q(units__status=UnitStatus.LISTED))))
    return render(request, "registry/districts.html", {"form": form, "cities": cities, "selected": selected,
                                                       "areas": areas}, status=400 if form.errors else 200)
