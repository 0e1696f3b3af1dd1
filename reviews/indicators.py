"""The indicators of a filing (GB/T 36132 performance indicators; DOMAIN.md §5).

Enterprises enter **totals**; every indicator here is derived from them. An indicator whose totals were
left blank does not apply to that filing (blank is not zero). Intensities are per 万元 of output value
(scored) and per unit of product (shown, not scored). Rates are parts of a total and never exceed 100 %.

`INDICATORS` is the one list the filing form, the city's checks, the statistical flags and the green
code all read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.enums import UnitKind

Totals = Mapping[str, Decimal | None]


class Group(models.TextChoices):
    ENERGY = "energy", _("Energy and carbon")
    RESOURCES = "resources", _("Resources")
    CLEAN = "clean", _("Clean production")
    PRODUCTS = "products", _("Green products")
    LAND = "land", _("Land use")
    PARK = "park", _("Park performance")
    CHAIN = "chain", _("Supply-chain performance")


LOWER_IS_BETTER = -1
HIGHER_IS_BETTER = 1


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    group: str
    direction: int
    kinds: tuple[str, ...]
    formula: Callable[[Totals], Decimal | None]
    inputs: tuple[str, ...]  # the totals it is computed from, for messages and the form
    scored: bool = True  # per-万元 intensities and rates are scored; per-product intensities are shown only
    is_rate: bool = False  # a percentage of a whole: 0-100
    yoy_checked: bool = True  # year-on-year change beyond ±50 % is flagged

    @property
    def lower_is_better(self) -> bool:
        return self.direction == LOWER_IS_BETTER

    def compute(self, totals: Totals) -> Decimal | None:
        try:
            value = self.formula(totals)
        except (InvalidOperation, ZeroDivisionError):
            return None
        return None if value is None else value.quantize(Decimal("0.000001"))


def _ratio(numerator: str, denominator: str, scale: Decimal = Decimal(1)) -> Callable[[Totals], Decimal | None]:
    def formula(t: Totals) -> Decimal | None:
        num, den = t.get(numerator), t.get(denominator)
        if num is None or den is None or den <= 0:
            return None
        return num * scale / den

    return formula


def _share_of_sum(part: str, other: str) -> Callable[[Totals], Decimal | None]:
    """part / (part + other) × 100, e.g. reused water over (reused + withdrawn)."""

    def formula(t: Totals) -> Decimal | None:
        a, b = t.get(part), t.get(other)
        if a is None or b is None or a + b <= 0:
            return None
        return a * 100 / (a + b)

    return formula


F = (UnitKind.FACTORY,)
P = (UnitKind.PARK,)
C = (UnitKind.SUPPLY_CHAIN,)
K = Decimal(1000)
HUNDRED = Decimal(100)

INDICATORS: tuple[Indicator, ...] = (
    # Factory: energy and carbon
    Indicator("energy_per_output", _("Comprehensive energy consumption per 10,000 yuan of output"), "kgce/万元",
              Group.ENERGY, LOWER_IS_BETTER, F, _ratio("energy_tce", "output_value", K), ("energy_tce", "output_value")),
    Indicator("co2_per_output", _("CO₂ emissions per 10,000 yuan of output"), "kgCO₂/万元",
              Group.ENERGY, LOWER_IS_BETTER, F, _ratio("co2_t", "output_value", K), ("co2_t", "output_value")),
    Indicator("renewable_share", _("Renewable share of energy"), "%", Group.ENERGY, HIGHER_IS_BETTER, F,
              _ratio("renewable_energy_tce", "energy_tce", HUNDRED), ("renewable_energy_tce", "energy_tce"),
              is_rate=True),
    # Factory: resources
    Indicator("water_per_output", _("Water withdrawn per 10,000 yuan of output"), "m³/万元",
              Group.RESOURCES, LOWER_IS_BETTER, F, _ratio("water_withdrawn_m3", "output_value"),
              ("water_withdrawn_m3", "output_value")),
    Indicator("material_per_output", _("Main raw material per 10,000 yuan of output"), "t/万元",
              Group.RESOURCES, LOWER_IS_BETTER, F, _ratio("raw_material_t", "output_value"),
              ("raw_material_t", "output_value")),
    Indicator("water_reuse_rate", _("Industrial water reuse rate"), "%", Group.RESOURCES, HIGHER_IS_BETTER, F,
              _share_of_sum("water_reused_m3", "water_withdrawn_m3"), ("water_reused_m3", "water_withdrawn_m3"),
              is_rate=True),
    Indicator("solid_waste_utilisation", _("General industrial solid-waste utilisation rate"), "%",
              Group.RESOURCES, HIGHER_IS_BETTER, F, _ratio("solid_waste_utilised_t", "solid_waste_generated_t", HUNDRED),
              ("solid_waste_utilised_t", "solid_waste_generated_t"), is_rate=True),
    # Factory: clean production
    Indicator("pollutant_per_output", _("Main pollutants per 10,000 yuan of output"), "kg/万元",
              Group.CLEAN, LOWER_IS_BETTER, F, _ratio("pollutant_kg", "output_value"), ("pollutant_kg", "output_value")),
    Indicator("wastewater_per_output", _("Wastewater per 10,000 yuan of output"), "m³/万元",
              Group.CLEAN, LOWER_IS_BETTER, F, _ratio("wastewater_m3", "output_value"), ("wastewater_m3", "output_value")),
    Indicator("waste_gas_per_output", _("Waste gas per 10,000 yuan of output"), "m³/万元",
              Group.CLEAN, LOWER_IS_BETTER, F, _ratio("waste_gas_10k_m3", "output_value", Decimal(10000)),
              ("waste_gas_10k_m3", "output_value")),
    # Factory: green products
    Indicator("green_material_rate", _("Green-material share"), "%", Group.PRODUCTS, HIGHER_IS_BETTER, F,
              _ratio("green_material_t", "raw_material_t", HUNDRED), ("green_material_t", "raw_material_t"),
              is_rate=True),
    Indicator("footprint_coverage", _("Share of products with a carbon footprint"), "%", Group.PRODUCTS,
              HIGHER_IS_BETTER, F, _ratio("products_with_footprint", "product_models", HUNDRED),
              ("products_with_footprint", "product_models"), is_rate=True),
    # Factory: land
    Indicator("output_per_land", _("Output value per square metre of land"), "万元/m²", Group.LAND,
              HIGHER_IS_BETTER, F, _ratio("output_value", "land_area_m2"), ("output_value", "land_area_m2")),
    Indicator("floor_area_ratio", _("Floor-area ratio"), "", Group.LAND, HIGHER_IS_BETTER, F,
              _ratio("floor_area_m2", "land_area_m2"), ("floor_area_m2", "land_area_m2")),
    Indicator("building_density", _("Building density"), "%", Group.LAND, HIGHER_IS_BETTER, F,
              _ratio("building_footprint_m2", "land_area_m2", HUNDRED), ("building_footprint_m2", "land_area_m2"),
              is_rate=True),
    # Factory: per unit of product (shown, not scored)
    Indicator("energy_per_product", _("Comprehensive energy consumption per unit of product"), "tce/单位产品",
              Group.ENERGY, LOWER_IS_BETTER, F, _ratio("energy_tce", "product_output"),
              ("energy_tce", "product_output"), scored=False),
    Indicator("co2_per_product", _("CO₂ emissions per unit of product"), "tCO₂/单位产品", Group.ENERGY,
              LOWER_IS_BETTER, F, _ratio("co2_t", "product_output"), ("co2_t", "product_output"), scored=False),
    Indicator("water_per_product", _("Water withdrawn per unit of product"), "m³/单位产品", Group.RESOURCES,
              LOWER_IS_BETTER, F, _ratio("water_withdrawn_m3", "product_output"),
              ("water_withdrawn_m3", "product_output"), scored=False),
    Indicator("material_per_product", _("Main raw material per unit of product"), "t/单位产品", Group.RESOURCES,
              LOWER_IS_BETTER, F, _ratio("raw_material_t", "product_output"), ("raw_material_t", "product_output"),
              scored=False),
    Indicator("pollutant_per_product", _("Main pollutants per unit of product"), "kg/单位产品", Group.CLEAN,
              LOWER_IS_BETTER, F, _ratio("pollutant_kg", "product_output"), ("pollutant_kg", "product_output"),
              scored=False),
    Indicator("wastewater_per_product", _("Wastewater per unit of product"), "m³/单位产品", Group.CLEAN,
              LOWER_IS_BETTER, F, _ratio("wastewater_m3", "product_output"), ("wastewater_m3", "product_output"),
              scored=False),
    Indicator("waste_gas_per_product", _("Waste gas per unit of product"), "m³/单位产品", Group.CLEAN,
              LOWER_IS_BETTER, F, _ratio("waste_gas_10k_m3", "product_output", Decimal(10000)),
              ("waste_gas_10k_m3", "product_output"), scored=False),
    # Park
    Indicator("park_energy_per_value_added", _("Energy per 10,000 yuan of industrial value added"), "tce/万元",
              Group.PARK, LOWER_IS_BETTER, P, _ratio("energy_tce", "value_added"), ("energy_tce", "value_added")),
    Indicator("park_co2_per_value_added", _("CO₂ per 10,000 yuan of industrial value added"), "tCO₂/万元",
              Group.PARK, LOWER_IS_BETTER, P, _ratio("co2_t", "value_added"), ("co2_t", "value_added")),
    Indicator("park_water_per_value_added", _("Water per 10,000 yuan of industrial value added"), "m³/万元",
              Group.PARK, LOWER_IS_BETTER, P, _ratio("water_withdrawn_m3", "value_added"),
              ("water_withdrawn_m3", "value_added")),
    Indicator("park_solid_waste_utilisation", _("Solid-waste utilisation rate of the park"), "%", Group.PARK,
              HIGHER_IS_BETTER, P, _ratio("solid_waste_utilised_t", "solid_waste_generated_t", HUNDRED),
              ("solid_waste_utilised_t", "solid_waste_generated_t"), is_rate=True),
    Indicator("park_renewable_share", _("Renewable share of the park's energy"), "%", Group.PARK, HIGHER_IS_BETTER,
              P, _ratio("renewable_energy_tce", "energy_tce", HUNDRED), ("renewable_energy_tce", "energy_tce"),
              is_rate=True),
    Indicator("park_green_factory_share", _("Share of green factories among the park's enterprises"), "%",
              Group.PARK, HIGHER_IS_BETTER, P, _ratio("park_green_factories", "park_enterprises", HUNDRED),
              ("park_green_factories", "park_enterprises"), is_rate=True, yoy_checked=False),
    # Supply-chain firm
    Indicator("green_purchase_share", _("Green purchasing share"), "%", Group.CHAIN, HIGHER_IS_BETTER, C,
              _ratio("green_purchase", "purchase_total", HUNDRED), ("green_purchase", "purchase_total"), is_rate=True),
    Indicator("audited_supplier_share", _("Share of audited or green suppliers"), "%", Group.CHAIN,
              HIGHER_IS_BETTER, C, _ratio("suppliers_audited", "suppliers_total", HUNDRED),
              ("suppliers_audited", "suppliers_total"), is_rate=True, yoy_checked=False),
    Indicator("product_recovery_rate", _("Product recovery rate"), "%", Group.CHAIN, HIGHER_IS_BETTER, C,
              _ratio("products_recovered_t", "products_sold_t", HUNDRED), ("products_recovered_t", "products_sold_t"),
              is_rate=True),
    Indicator("packaging_recovery_rate", _("Packaging recovery rate"), "%", Group.CHAIN, HIGHER_IS_BETTER, C,
              _ratio("packaging_recovered_t", "packaging_used_t", HUNDRED),
              ("packaging_recovered_t", "packaging_used_t"), is_rate=True),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


def indicators_for(kind: str, *, scored_only: bool = False) -> list[Indicator]:
    return [i for i in INDICATORS if kind in i.kinds and (i.scored or not scored_only)]


def compute_all(kind: str, totals: Totals) -> dict[str, Decimal]:
    """Every indicator that applies to a unit of `kind` with these totals (blank inputs: not applicable)."""
    values = {}
    for indicator in indicators_for(kind):
        value = indicator.compute(totals)
        if value is not None:
            values[indicator.code] = value
    return values


def key_indicators(kind: str) -> list[Indicator]:
    """The indicators a city checks one by one: everything scored for the unit's kind."""
    return indicators_for(kind, scored_only=True)
