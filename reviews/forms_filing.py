"""The enterprise's filing form (动态管理表): totals grouped as in GB/T 36132, fields by unit kind."""

from __future__ import annotations

from crispy_forms.bootstrap import AppendedText
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.enums import UnitKind

from .enums import FilingState
from .models import Filing

GENERAL = _("General")
ENERGY = _("Energy and carbon")
RESOURCES = _("Resources")
CLEAN = _("Clean production")
PRODUCTS = _("Green products")
LAND = _("Land use")
CHAIN = _("Green supply chain")
CHANGES = _("Major changes during the year")

COMPLIANCE = _("Compliance")

CHANGE_FIELDS = ["name_changed", "new_name", "relocated", "production_stopped", "stopped_months", "had_accident",
                 "penalised", "scope_changed", "address_changed", "boundary_changed", "restructured", "changes_note"]
# The compliance block's own answers (administrative penalties are `penalised`, asked among the changes).
COMPLIANCE_FIELDS = [name for name in Filing.COMPLIANCE_ANSWERS.values() if name not in CHANGE_FIELDS]

# (section title, fields) per unit kind. The form, the .xlsx files and the filing page all follow it.
SECTIONS: dict[str, list[tuple[str, list[str]]]] = {
    UnitKind.FACTORY: [
        (GENERAL, ["months_reported", "output_value", "product_name", "product_unit", "product_output"]),
        (ENERGY, ["energy_tce", "renewable_energy_tce", "co2_t"]),
        (RESOURCES, ["water_withdrawn_m3", "water_reused_m3", "raw_material_t", "green_material_t",
                     "solid_waste_generated_t", "solid_waste_utilised_t"]),
        (CLEAN, ["pollutant_kg", "wastewater_m3", "waste_gas_10k_m3"]),
        (PRODUCTS, ["product_models", "products_with_footprint"]),
        (LAND, ["land_area_m2", "floor_area_m2", "building_footprint_m2"]),
    ],
    UnitKind.PARK: [
        (GENERAL, ["months_reported", "value_added", "park_enterprises", "park_green_factories"]),
        (ENERGY, ["energy_tce", "renewable_energy_tce", "co2_t"]),
        (RESOURCES, ["water_withdrawn_m3", "solid_waste_generated_t", "solid_waste_utilised_t"]),
    ],
    UnitKind.SUPPLY_CHAIN: [
        (GENERAL, ["months_reported"]),
        (CHAIN, ["purchase_total", "green_purchase", "suppliers_total", "suppliers_audited", "products_sold_t",
                 "products_recovered_t", "packaging_used_t", "packaging_recovered_t", "publishes_report"]),
    ],
}


def data_fields(kind: str) -> list[str]:
    """Every field an enterprise of this kind fills in, in form order (without the major changes)."""
    return [name for _title, names in SECTIONS[kind] for name in names]


def unit_of(name: str) -> str:
    """The measurement unit of a total, as shown beside its input ("" for text and yes/no fields)."""
    field = Filing._meta.get_field(name)
    if name == "months_reported":
        return str(_("months"))
    if name in ("product_models", "products_with_footprint"):
        return str(_("models"))
    if name in ("park_enterprises", "park_green_factories", "suppliers_total", "suppliers_audited"):
        return str(_("enterprises"))
    if name == "product_output":
        return ""
    return str(field.help_text) if isinstance(field, models.DecimalField) else ""


class FilingForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Filing
        fields = sorted({n for sections in SECTIONS.values() for _t, names in sections for n in names}
                        | set(CHANGE_FIELDS) | set(COMPLIANCE_FIELDS) | {"return_answer"})
        help_texts = {"return_answer": _("Answer the city's reason here if you resubmit without changing the values.")}

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        names = data_fields(kind) + CHANGE_FIELDS + COMPLIANCE_FIELDS
        super().__init__(*args, **kwargs)
        if self.instance.state == FilingState.RETURNED:
            names = names + ["return_answer"]
        # One form class serves every kind; keep only this kind's fields.
        for name in list(self.fields):
            if name not in names and name != "version":
                del self.fields[name]
        for name in names:
            field = self.fields[name]
            field.required = False
            if isinstance(field, forms.DecimalField):
                field.widget.attrs.update({"inputmode": "decimal", "step": "any"})
                field.help_text = ""
        self.fields["changes_note"].widget.attrs["rows"] = 3
        if "product_output" in self.fields:
            self.fields["product_output"].help_text = _("In the unit named above.")
        if "publishes_report" in self.fields:
            self.fields["publishes_report"].widget = forms.Select(
                choices=[("unknown", _("— choose —")), ("true", _("Yes")), ("false", _("No"))]
            )
        self.initial.setdefault("version", self.instance.version if self.instance.pk else 1)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        layout = []
        for title, section in SECTIONS[kind]:
            items = []
            for name in section:
                unit = unit_of(name)
                item = AppendedText(name, unit) if unit else name
                items.append(Div(item, css_class="col-12 col-md-6 col-xl-4"))
            layout.append(Fieldset(title, Div(*items, css_class="row g-2"), css_class="mb-3"))
        layout.append(Fieldset(CHANGES, Div(
            *[Div(n, css_class="col-12 col-md-6 col-xl-4") for n in CHANGE_FIELDS[:-1]], css_class="row g-2"),
            CHANGE_FIELDS[-1], css_id="changes"))
        layout.append(Fieldset(COMPLIANCE, HTML(format_html('<p class="small text-muted">{}</p>', _(
            "Tick an item only if it applies to the unit. The city bureau checks every item against 信用中国, "
            "信用广东, the 国家企业信用信息公示系统 and the permit and energy-inspection records."))), Div(
            *[Div(n, css_class="col-12 col-md-6") for n in COMPLIANCE_FIELDS], css_class="row g-2"),
            css_id="compliance"))
        if "return_answer" in self.fields:
            self.fields["return_answer"].widget.attrs["rows"] = 3
            layout.insert(0, Fieldset(_("Answer to the city's return"), "return_answer", css_id="return-answer"))
        layout.append(HTML(""))
        layout.append("version")
        self.helper.layout = Layout(*layout)

    def clean_publishes_report(self):
        value = self.cleaned_data.get("publishes_report")
        return {"true": True, "false": False, True: True, False: False}.get(value)

    def changed_data_for_save(self) -> dict:
        """The cleaned values to hand to `save_filing` (every field of this kind)."""
        return {name: self.cleaned_data.get(name) for name in self.fields if name != "version"}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class BulkUploadForm(UploadForm):
    submit = forms.BooleanField(
        label=_("Submit the filings as well (otherwise they are saved as drafts)"), required=False,
    )
