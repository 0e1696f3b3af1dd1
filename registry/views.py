from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from greenmfg.rules import require

from . import access, rules, services
from .enums import Level, ListPurpose, UnitStatus
from .exports import city_stats_sheet, district_stats_sheet, unit_list_sheet
from .filters import PublicUnitFilter, UnitFilter, active_filters
from .forms import UnitEditForm, UnitImportForm
from .importer import import_units, template_sheets
from .models import City, PublishedList, Unit
from .params import int_or_none
from .xlsx import filter_line, xlsx_response

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """One page of `queryset`; an out-of-range or malformed page number gives the nearest real page."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def home(request):
    """Send each person to the home page of their first role; a person with none sees why."""
    roles = access.roles_of(request.user)
    homes = home_links(roles)
    if homes:
        return redirect(homes[0][1])
    if request.user.is_superuser:
        return redirect("admin:index")
    return render(request, "registry/no_role.html", status=403)


def home_links(roles) -> list[tuple[str, str]]:
    """(label, url) of each home page the roles give, province first."""
    homes = settings.ROLE_HOME_URLS
    links = []
    if roles.province:
        links.append((_("Province"), reverse(homes["province"])))
    if roles.is_city_reviewer:
        links.append((_("City bureau"), reverse(homes["city"])))
    if roles.is_enterprise:
        links.append((_("Enterprise"), reverse(homes["enterprise"])))
    if roles.is_district_reviewer:
        links.append((_("District"), reverse(homes["district"])))
    return links


@login_required
def province_home(request):
    access.require_province(request.user)
    stats = services.city_statistics(Level.NATIONAL)
    return render(request, "registry/province_home.html", {"stats": stats})


@login_required
def city_home(request):
    roles = access.roles_of(request.user)
    if not roles.is_city_reviewer:
        raise PermissionDenied
    cities = access.visible_cities(request.user).filter(pk__in=roles.city_ids)
    stats = services.city_statistics(None)
    rows = [r for r in stats.rows if r.city_id in roles.city_ids]
    return render(request, "registry/city_home.html", {"cities": cities, "rows": rows})


@login_required
def enterprise_home(request):
    roles = access.roles_of(request.user)
    if not roles.is_enterprise:
        raise PermissionDenied
    units = access.visible_units(request.user).filter(pk__in=roles.unit_ids).select_related("city", "industry", "listed_in")
    return render(request, "registry/enterprise_home.html", {"units": units})


def _filtered_units(request):
    """The staff's list of units with the request's filters (a filter not understood is ignored, and said)."""
    access.require_registry_reader(request.user)
    queryset = access.visible_units(request.user).select_related("city", "industry", "district", "listed_in")
    unit_filter = UnitFilter(request.GET or None, queryset=queryset, user=request.user)
    if unit_filter.is_bound and not unit_filter.is_valid():
        messages.error(request, _("Some filters were not understood and were ignored: %(fields)s.")
                       % {"fields": "、".join(str(unit_filter.form.fields[f].label) for f in unit_filter.form.errors)})
        unit_filter = UnitFilter(None, queryset=queryset, user=request.user)
    return unit_filter


@login_required
def unit_list(request):
    unit_filter = _filtered_units(request)
    page = paginate(request, unit_filter.qs)
    return render(
        request,
        "registry/unit_list.html",
        {"filter": unit_filter, "page": page, "querystring": querystring_without_page(request)},
    )


@login_required
def unit_list_xlsx(request):
    """Exactly the filtered list the person is looking at, streamed."""
    unit_filter = _filtered_units(request)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(f"绿色制造名单-{stamp}.xlsx",
                         [unit_list_sheet(unit_filter.qs, filter_line(active_filters(unit_filter)))])


def _visible_unit(request, pk: int):
    return get_object_or_404(
        access.visible_units(request.user).select_related(
            "city", "industry", "district", "enterprise", "listed_in", "removed_in"),
        pk=pk,
    )


@login_required
def unit_detail(request, pk: int):
    unit = _visible_unit(request, pk)
    history = unit.history.select_related("actor")[:200]
    siblings = (access.visible_units(request.user).filter(enterprise_id=unit.enterprise_id).exclude(pk=unit.pk)
                .select_related("city", "listed_in"))
    return render(
        request,
        "registry/unit_detail.html",
        {"unit": unit, "history": history, "can_edit": bool(rules.can_edit_unit(request.user, unit)),
         "siblings": siblings},
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_edit(request, pk: int):
    unit = _visible_unit(request, pk)
    require(rules.can_edit_unit(request.user, unit))
    form = UnitEditForm(request.POST or None, instance=unit, province=bool(rules.is_province(request.user)))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields if name != "reason"}
        # The form has already written the posted values onto `unit`; compare against the stored row.
        stored = type(unit).objects.get(pk=unit.pk)
        entries = services.edit_unit(stored, changes, actor=request.user, reason=form.cleaned_data["reason"])
        if entries:
            messages.success(request, _("Saved: %(n)d field(s) changed and written to the history.") % {"n": len(entries)})
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("registry:unit_detail", pk=unit.pk)
    return render(request, "registry/unit_edit.html", {"unit": unit, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def unit_import(request):
    access.require_province(request.user)
    report = None
    form = UnitImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["dry_run"]
        report = import_units(upload, actor=request.user, filename=upload.name, dry_run=dry_run)
        if report.ok and not dry_run:
            messages.success(
                request,
                _("Import finished: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
            )
            return redirect("registry:unit_list")
        if report.ok:
            messages.success(request, _("The file is valid. Nothing was saved because “check only” was ticked."))
        else:
            messages.error(request, _("The file was not imported. Nothing was saved. Fix the problems below and upload it again."))
    return render(request, "registry/unit_import.html", {"form": form, "report": report})


@login_required
def unit_import_template(request):
    access.require_province(request.user)
    return xlsx_response("绿色制造名单导入模板.xlsx", template_sheets())


def _stats_level(request) -> str | None:
    level = request.GET.get("level", Level.NATIONAL)
    if level == "all":
        return None
    if level not in Level.values:
        raise Http404
    return level


def _stats_list(request) -> PublishedList | None:
    """The list the statistics count (`?list=<id>`), or None for every list."""
    value = request.GET.get("list", "")
    if not value:
        return None
    pk = int_or_none(value)
    if pk is None:
        raise Http404
    return get_object_or_404(PublishedList, pk=pk, purpose=ListPurpose.LISTING)


def _stats_context(request) -> dict:
    level = _stats_level(request)
    published = _stats_list(request)
    params = {"level": level or "all", **({"list": published.pk} if published else {})}
    return {"level": level or "all", "levels": Level.choices, "published": published,
            "lists": PublishedList.objects.filter(purpose=ListPurpose.LISTING), "params": urlencode(params)}


@login_required
def city_stats(request):
    access.require_staff(request.user)
    context = _stats_context(request)
    level = None if context["level"] == "all" else context["level"]
    return render(request, "registry/city_stats.html",
                  {**context, "stats": services.city_statistics(level, context["published"])})


@login_required
def city_stats_xlsx(request):
    access.require_staff(request.user)
    level = _stats_level(request)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(f"各地市绿色制造数量统计表-{stamp}.xlsx", [city_stats_sheet(level, _stats_list(request))])


def _stats_city(request) -> City:
    pk = int_or_none(request.GET.get("city", ""))
    if pk is None:
        raise Http404
    return get_object_or_404(access.visible_cities(request.user), pk=pk)


@login_required
def district_stats(request):
    """One city's counts by district (and review area); the city's total equals its row of 附件2."""
    access.require_staff(request.user)
    city = _stats_city(request)
    context = _stats_context(request)
    level = None if context["level"] == "all" else context["level"]
    return render(request, "registry/district_stats.html", {
        **context, "city": city, "stats": services.district_statistics(city, level, context["published"])})


@login_required
def district_stats_xlsx(request):
    access.require_staff(request.user)
    city = _stats_city(request)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_response(f"{city.name}各区县绿色制造数量统计表-{stamp}.xlsx",
                         [district_stats_sheet(city, _stats_level(request), _stats_list(request))])


def public_lookup(request):
    """The public list: listed units only, and only name, city, kind, level and batch."""
    queryset = Unit.objects.filter(status=UnitStatus.LISTED).select_related("city")
    unit_filter = PublicUnitFilter(request.GET or None, queryset=queryset)
    qs = unit_filter.qs if (not unit_filter.is_bound or unit_filter.is_valid()) else queryset
    page = paginate(request, qs.select_related("listed_in").only(
        "name", "kind", "level", "batch", "city__name", "city__seed_order", "listed_in__name"))
    return render(
        request,
        "registry/public_lookup.html",
        {"filter": unit_filter, "page": page, "querystring": querystring_without_page(request)},
    )
