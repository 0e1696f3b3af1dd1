import django_filters
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .access import visible_cities, visible_districts
from .creditcode import normalise
from .enums import BATCH_CHOICES, Level, ListPurpose, UnitKind, UnitStatus
from .models import City, Industry, PublishedList, Unit


def _lists():
    return PublishedList.objects.filter(purpose=ListPurpose.LISTING).order_by("year", "batch", "name")


def _bootstrap(form) -> None:
    for field in form.fields.values():
        is_select = hasattr(field, "choices")
        field.widget.attrs.setdefault("class", "form-select form-select-sm" if is_select else "form-control form-control-sm")


def _descending(label) -> str:
    return gettext("%s (descending)") % label


class Ordering(django_filters.OrderingFilter):
    """django-filter's ordering, its "(descending)" choices worded from our catalogue (django-filter has no zh-Hans)
    and translated when the page is drawn, not when the module is imported."""

    def build_choices(self, fields, labels):
        pairs = [(param, labels.get(field, field)) for field, param in fields.items()]
        return [c for param, label in pairs for c in ((param, label), (f"-{param}", lazy(_descending, str)(label)))]


class BootstrapFilterSet(django_filters.FilterSet):
    @property
    def form(self):
        form = super().form
        _bootstrap(form)
        return form


class UnitFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Name or credit code"), method="search")
    city = django_filters.ModelChoiceFilter(label=_("City"), queryset=None, empty_label=_("All cities"))
    district = django_filters.ModelChoiceFilter(label=_("District"), queryset=None, empty_label=_("All districts"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=UnitKind.choices, empty_label=_("All kinds"))
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Level.choices, empty_label=_("All levels"))
    list = django_filters.ModelChoiceFilter(label=_("List"), field_name="listed_in", queryset=_lists(),
                                            empty_label=_("All lists"))
    industry = django_filters.ModelChoiceFilter(
        label=_("Industry"), queryset=Industry.objects.order_by("code"), empty_label=_("All industries")
    )
    batch = django_filters.ChoiceFilter(label=_("Batch"), choices=BATCH_CHOICES, empty_label=_("All batches"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=UnitStatus.choices, empty_label=_("All statuses"))
    sort = Ordering(
        label=_("Sort by"),
        empty_label=_("Default order"),
        fields=(
            ("name", "name"),
            ("credit_code", "credit_code"),
            ("city__seed_order", "city"),
            ("batch", "batch"),
            ("year_listed", "year_listed"),
            ("updated_at", "updated_at"),
        ),
        field_labels={
            "name": _("Name"),
            "credit_code": _("Credit code"),
            "city": _("City"),
            "batch": _("Batch"),
            "year_listed": _("Year listed"),
            "updated_at": _("Last updated"),
        },
    )

    class Meta:
        model = Unit
        fields = ["q", "city", "district", "kind", "level", "list", "industry", "batch", "status"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["city"].queryset = visible_cities(user).order_by("seed_order")
        self.filters["district"].queryset = visible_districts(user).select_related("city")
        self.filters["list"].queryset = _lists()

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=normalise(value)))


class PublicUnitFilter(BootstrapFilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="search")
    city = django_filters.ModelChoiceFilter(label=_("City"), queryset=None, empty_label=_("All cities"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=UnitKind.choices, empty_label=_("All kinds"))
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Level.choices, empty_label=_("All levels"))
    batch = django_filters.ChoiceFilter(label=_("Batch"), choices=BATCH_CHOICES, empty_label=_("All batches"))
    list = django_filters.ModelChoiceFilter(label=_("List"), field_name="listed_in", queryset=_lists(),
                                            empty_label=_("All lists"))

    class Meta:
        model = Unit
        fields = ["q", "city", "kind", "level", "batch", "list"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["city"].queryset = City.objects.order_by("seed_order")
        self.filters["list"].queryset = _lists()

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(name__icontains=value) if value else queryset


def active_filters(filterset) -> list[tuple]:
    """(label, shown value) of each filter the person set, in the form's order: what an export names."""
    if not filterset.is_bound or not filterset.is_valid():
        return []
    pairs = []
    for name, value in filterset.form.cleaned_data.items():
        if value in (None, "", [], ()):
            continue
        field = filterset.form.fields[name]
        values = value if isinstance(value, list | tuple) else [value]
        choices = dict(getattr(field, "flat_choices", None) or getattr(field, "choices", None) or []) \
            if not hasattr(field, "queryset") else {}
        if isinstance(filterset.filters.get(name), django_filters.OrderingFilter):
            # "-name" is the descending sort by name: the plain field's label, and the direction in words.
            shown = [f"{choices.get(v.lstrip('-'), v)}{'（降序）' if v.startswith('-') else ''}" for v in values]
        else:
            shown = [str(choices.get(v, v)) for v in values]
        pairs.append((field.label, "、".join(shown)))
    return pairs
