"""Plausible synthetic filing totals, for demo data, tests and benchmarks (never for real filings).

Values are drawn around per-industry typical intensities with a log-normal spread, so the derived
indicators look like a real cohort: skewed, with a few very good and a few poor performers.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal

from registry.enums import UnitKind

# Typical energy intensity (kgce per 万元 of output) by GB/T 4754 division; others use the default.
ENERGY_INTENSITY = {"25": 900, "26": 420, "30": 650, "31": 780, "32": 380, "22": 300, "28": 350, "44": 1200,
                    "13": 60, "14": 80, "15": 70, "17": 120, "29": 110, "33": 60, "34": 35, "35": 30,
                    "36": 25, "38": 22, "39": 18, "40": 15}
DEFAULT_ENERGY = 80


def _d(x: float, places: int = 2) -> Decimal:
    return Decimal(str(round(x, places)))


def _spread(rng: random.Random, sigma: float = 0.35) -> float:
    return math.exp(rng.gauss(0, sigma))


def factory_totals(rng: random.Random, industry_code: str | None, quality: float | None = None) -> dict:
    """Totals for one green factory for one year. `quality` (≈ -1 good … +1 poor) shifts intensities."""
    q = rng.gauss(0, 0.5) if quality is None else quality
    output = 10 ** rng.uniform(3.7, 6.0)  # 5 000 to 1 000 000 万元
    energy_intensity = ENERGY_INTENSITY.get(industry_code or "", DEFAULT_ENERGY) * math.exp(0.4 * q) * _spread(rng, 0.25)
    energy_tce = output * energy_intensity / 1000
    co2_t = energy_tce * rng.uniform(1.9, 2.7)
    renewable = energy_tce * min(0.6, max(0.0, rng.gauss(0.12 - 0.05 * q, 0.08)))
    water = output * rng.uniform(0.5, 6) * math.exp(0.3 * q)
    reused = water * rng.uniform(0.5, 12)
    material = output * rng.uniform(0.05, 0.8) * math.exp(0.2 * q)
    green_material = material * min(1.0, max(0.0, rng.gauss(0.3 - 0.1 * q, 0.15)))
    waste = material * rng.uniform(0.01, 0.1)
    waste_used = waste * min(1.0, max(0.2, rng.gauss(0.9 - 0.05 * q, 0.08)))
    models = rng.randint(3, 60)
    land = output / rng.uniform(0.15, 2.5) * 1 if output else 1
    land = max(5000.0, land)
    return {
        "months_reported": 12,
        "output_value": _d(output),
        "product_name": "主要产品",
        "product_unit": "吨",
        "product_output": _d(output * rng.uniform(0.5, 5)),
        "energy_tce": _d(energy_tce),
        "renewable_energy_tce": _d(renewable),
        "co2_t": _d(co2_t),
        "water_withdrawn_m3": _d(water),
        "water_reused_m3": _d(reused),
        "raw_material_t": _d(material),
        "green_material_t": _d(green_material),
        "solid_waste_generated_t": _d(waste),
        "solid_waste_utilised_t": _d(waste_used),
        "pollutant_kg": _d(output * rng.uniform(0.01, 0.4) * math.exp(0.3 * q)),
        "wastewater_m3": _d(water * rng.uniform(0.3, 0.8)),
        "waste_gas_10k_m3": _d(output * rng.uniform(0.001, 0.05) * math.exp(0.3 * q)),
        "product_models": models,
        "products_with_footprint": rng.randint(0, models),
        "land_area_m2": _d(land),
        "floor_area_m2": _d(land * rng.uniform(0.6, 2.5)),
        "building_footprint_m2": _d(land * rng.uniform(0.3, 0.7)),
    }


def park_totals(rng: random.Random) -> dict:
    value_added = 10 ** rng.uniform(5.5, 7)
    energy = value_added * rng.uniform(0.1, 0.6)
    enterprises = rng.randint(40, 600)
    return {
        "months_reported": 12,
        "value_added": _d(value_added),
        "energy_tce": _d(energy),
        "renewable_energy_tce": _d(energy * rng.uniform(0.02, 0.3)),
        "co2_t": _d(energy * rng.uniform(1.9, 2.6)),
        "water_withdrawn_m3": _d(value_added * rng.uniform(1, 8)),
        "solid_waste_generated_t": _d(value_added * rng.uniform(0.005, 0.05)),
        "solid_waste_utilised_t": None,
        "park_enterprises": enterprises,
        "park_green_factories": rng.randint(1, max(1, enterprises // 10)),
    }


def chain_totals(rng: random.Random) -> dict:
    purchase = 10 ** rng.uniform(4, 6.5)
    suppliers = rng.randint(50, 2000)
    sold = purchase * rng.uniform(0.1, 1)
    packaging = sold * rng.uniform(0.02, 0.1)
    return {
        "months_reported": 12,
        "purchase_total": _d(purchase),
        "green_purchase": _d(purchase * rng.uniform(0.1, 0.7)),
        "suppliers_total": suppliers,
        "suppliers_audited": rng.randint(suppliers // 5, suppliers),
        "products_sold_t": _d(sold),
        "products_recovered_t": _d(sold * rng.uniform(0.0, 0.3)),
        "packaging_used_t": _d(packaging),
        "packaging_recovered_t": _d(packaging * rng.uniform(0.1, 0.9)),
        "publishes_report": rng.random() < 0.6,
    }


def totals_for(kind: str, rng: random.Random, industry_code: str | None = None, quality: float | None = None) -> dict:
    if kind == UnitKind.FACTORY:
        totals = factory_totals(rng, industry_code, quality)
    elif kind == UnitKind.PARK:
        totals = park_totals(rng)
    else:
        totals = chain_totals(rng)
    if kind == UnitKind.PARK:
        generated = totals["solid_waste_generated_t"]
        totals["solid_waste_utilised_t"] = _d(float(generated) * rng.uniform(0.6, 0.98))
    return totals


def next_year(totals: dict, rng: random.Random) -> dict:
    """The same unit a year later: most totals move a little."""
    moved = {}
    for key, value in totals.items():
        if isinstance(value, Decimal):
            moved[key] = _d(float(value) * rng.uniform(0.9, 1.12))
        else:
            moved[key] = value
    for part, whole in (("renewable_energy_tce", "energy_tce"), ("green_material_t", "raw_material_t"),
                        ("solid_waste_utilised_t", "solid_waste_generated_t"),
                        ("building_footprint_m2", "land_area_m2"), ("green_purchase", "purchase_total"),
                        ("products_recovered_t", "products_sold_t"), ("packaging_recovered_t", "packaging_used_t")):
        if moved.get(part) is not None and moved.get(whole) is not None and moved[part] > moved[whole]:
            moved[part] = moved[whole]
    return moved
