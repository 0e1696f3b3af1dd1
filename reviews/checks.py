"""Data checks on a filing, before anyone reviews it (DESIGN.md "Data checks on a filing").

1. completeness — the totals a unit of its kind must report, and a full year;
2. physical and logic — no negatives (the model's validators), no part above its total, rates ≤ 100 %,
   a filing that reports an intensity's numerator must report its denominator;
3. statistical — a year-on-year change of an indicator beyond ±50 %, or a value far outside its industry
   (robust z-score |z| > 3.5 on log values, median/MAD), is flagged for the enterprise to explain.

Every problem names its field, so the form can put the message beside it.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from registry.enums import UnitKind

from .enums import FilingState, FlagKind
from .indicators import BY_CODE
from .models import Filing, FilingIndicator

YOY_LIMIT = Decimal("0.5")  # ±50 %
Z_LIMIT = 3.5
MIN_PEERS_FOR_Z = 8  # below this, a median and MAD say too little to flag anything

# (part, whole): a part never exceeds its whole.
PARTS = (
    ("renewable_energy_tce", "energy_tce"),
    ("green_material_t", "raw_material_t"),
    ("solid_waste_utilised_t", "solid_waste_generated_t"),
    ("products_with_footprint", "product_models"),
    ("building_footprint_m2", "land_area_m2"),
    ("park_green_factories", "park_enterprises"),
    ("green_purchase", "purchase_total"),
    ("suppliers_audited", "suppliers_total"),
    ("products_recovered_t", "products_sold_t"),
    ("packaging_recovered_t", "packaging_used_t"),
)
# (field, the field it needs): reporting the first without the second leaves its intensity undefined.
NEEDS = (
    ("product_output", "product_unit"),
    ("renewable_energy_tce", "energy_tce"),
    ("water_reused_m3", "water_withdrawn_m3"),
    ("green_material_t", "raw_material_t"),
    ("solid_waste_utilised_t", "solid_waste_generated_t"),
    ("products_with_footprint", "product_models"),
    ("floor_area_m2", "land_area_m2"),
    ("building_footprint_m2", "land_area_m2"),
)
MAX_FLOOR_AREA_RATIO = Decimal(20)
# Declared changes the enterprise must describe in the note.
NOTED_CHANGES = ("had_accident", "penalised", "relocated", "scope_changed", "address_changed", "boundary_changed",
                 "restructured")


@dataclass(frozen=True)
class Problem:
    field: str  # a Filing field name, or "" for the filing as a whole
    message: str


def _label(name: str) -> str:
    return str(Filing._meta.get_field(name).verbose_name)


def completeness(filing: Filing) -> list[Problem]:
    problems = []
    kind = filing.unit.kind
    if filing.months_reported != 12:
        problems.append(Problem("months_reported", _("A filing covers the whole year: enter 12 months.")))
    for name in Filing.REQUIRED_BY_KIND[kind]:
        if getattr(filing, name) is None:
            problems.append(Problem(name, _("Required: enter the year's total (0 if there was none).")))
    if kind == UnitKind.FACTORY and filing.output_value is not None and filing.output_value <= 0:
        problems.append(Problem("output_value", _("The output value must be above 0 for a factory in production.")))
    if kind == UnitKind.PARK and filing.value_added is not None and filing.value_added <= 0:
        problems.append(Problem("value_added", _("The value added must be above 0.")))
    if kind == UnitKind.SUPPLY_CHAIN and filing.publishes_report is None:
        problems.append(Problem("publishes_report", _("Required: say whether a green supply-chain report is published.")))
    if filing.name_changed and not filing.new_name.strip():
        problems.append(Problem("new_name", _("Enter the new name, since the name changed.")))
    if filing.production_stopped and not filing.stopped_months:
        problems.append(Problem("stopped_months", _("Enter how many months production stopped.")))
    if any(getattr(filing, name) for name in NOTED_CHANGES) and not filing.changes_note.strip():
        problems.append(Problem("changes_note", _("Describe the declared changes (accident, penalty, relocation, "
                                                  "business scope, address, boundary, restructuring).")))
    return problems


def physical(filing: Filing) -> list[Problem]:
    """Logic checks that hold for any filing, draft or not (negatives are refused by the form fields)."""
    problems = []
    fields = set(Filing.TOTALS_BY_KIND[filing.unit.kind]) | {"product_unit"}
    for part, whole in PARTS:
        if part not in fields or whole not in fields:
            continue
        a, b = getattr(filing, part), getattr(filing, whole)
        if a is not None and b is not None and a > b:
            problems.append(Problem(part, _("Cannot be more than “%(whole)s” (%(value)s).")
                                    % {"whole": _label(whole), "value": _fmt(b)}))
    for field, needed in NEEDS:
        if field not in fields or needed not in fields:
            continue
        value = getattr(filing, field)
        if value not in (None, "", 0) and getattr(filing, needed) in (None, ""):
            problems.append(Problem(needed, _("Required, because “%(field)s” is filled in.") % {"field": _label(field)}))
    if (
        "floor_area_m2" in fields and filing.floor_area_m2 and filing.land_area_m2
        and filing.floor_area_m2 / filing.land_area_m2 > MAX_FLOOR_AREA_RATIO
    ):
        problems.append(Problem("floor_area_m2", _("The floor area is more than %(n)d times the land area; check the units (m²).")
                                % {"n": MAX_FLOOR_AREA_RATIO}))
    return problems


def submission_problems(filing: Filing) -> list[Problem]:
    return completeness(filing) + physical(filing)


def _fmt(value) -> str:
    return f"{Decimal(value).normalize():f}"


# --- statistical flags -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FlagFinding:
    code: str
    kind: str
    value: Decimal
    reference: Decimal | None
    score: Decimal | None


def _median_mad(logs: list[float]) -> tuple[float, float]:
    median = statistics.median(logs)
    return median, statistics.median(abs(v - median) for v in logs)


def enough_peers(n: int) -> bool:
    """A median and MAD of fewer than MIN_PEERS_FOR_Z values say too little to flag anything."""
    return n >= MIN_PEERS_FOR_Z


def z_score(value: float, median: float, mad: float) -> float | None:
    """0.6745 × (log x − median) ÷ MAD on log values; None where it cannot tell (x ≤ 0, or no spread)."""
    if value <= 0 or mad == 0:
        return None
    return 0.6745 * (math.log(value) - median) / mad


def robust_z(value: float, peer_logs: list[float]) -> float | None:
    """The robust z-score of `value` among the peers' log values; None when the peers cannot tell."""
    if not enough_peers(len(peer_logs)):
        return None
    return z_score(value, *_median_mad(peer_logs))


def is_outlier(z: float | None) -> bool:
    return z is not None and abs(z) > Z_LIMIT


OUTLIER_CODES = [i.code for i in BY_CODE.values() if i.scored and not i.is_rate]


@dataclass
class FlagContext:
    """What the statistical layer compares a batch of filings with, read in two queries for the batch.

    previous: {unit id: {code: last year's accepted value}}
    peers: {(industry id, kind, code): (median of logs, MAD of logs, count)} over this campaign's
    submitted or accepted filings of the same division and kind, together with the batch being checked
    (each filing is compared with its industry's distribution, itself included).
    """

    previous: dict[int, dict[str, Decimal]]
    peers: dict[tuple, tuple[float, float, int]]


def flag_context(pairs: list[tuple[Filing, dict[str, Decimal]]]) -> FlagContext:
    """The comparison data for (filing, its indicator values) pairs of one campaign."""
    filings = [f for f, _values in pairs]
    if not filings:
        return FlagContext({}, {})
    campaign = filings[0].campaign
    unit_ids = [f.unit_id for f in filings]
    previous: dict[int, dict[str, Decimal]] = {}
    for unit_id, code, value in FilingIndicator.objects.filter(
        filing__unit_id__in=unit_ids, filing__campaign__year=campaign.year - 1, filing__state=FilingState.ACCEPTED,
    ).values_list("filing__unit_id", "code", "value"):
        previous.setdefault(unit_id, {})[code] = value
    industries = {f.unit.industry_id for f in filings if f.unit.industry_id}
    groups: dict[tuple, list[float]] = {}
    if industries:
        rows = FilingIndicator.objects.filter(
            code__in=OUTLIER_CODES, filing__campaign_id=campaign.pk, filing__unit__industry_id__in=industries,
            filing__state__in=[FilingState.SUBMITTED, FilingState.ACCEPTED], value__gt=0,
        ).exclude(filing_id__in=[f.pk for f in filings if f.pk]).values_list(
            "filing__unit__industry_id", "filing__unit__kind", "code", "value")
        for industry_id, kind, code, value in rows:
            groups.setdefault((industry_id, kind, code), []).append(math.log(float(value)))
    for filing, values in pairs:
        if filing.unit.industry_id is None:
            continue
        for code, value in values.items():
            if code in OUTLIER_CODES and value > 0:
                groups.setdefault((filing.unit.industry_id, filing.unit.kind, code), []).append(math.log(float(value)))
    peers = {key: (*_median_mad(logs), len(logs)) for key, logs in groups.items() if enough_peers(len(logs))}
    return FlagContext(previous, peers)


def statistical_findings(filing: Filing, values: dict[str, Decimal], context: FlagContext) -> list[FlagFinding]:
    findings = []
    previous = context.previous.get(filing.unit_id, {})
    for code, value in values.items():
        indicator = BY_CODE[code]
        if not indicator.scored:
            continue
        last = previous.get(code)
        if indicator.yoy_checked and last is not None and last > 0:
            change = (value - last) / last
            if abs(change) > YOY_LIMIT:
                findings.append(FlagFinding(code, FlagKind.YEAR_ON_YEAR, value, last, round(change * 100, 3)))
        stats = context.peers.get((filing.unit.industry_id, filing.unit.kind, code))
        if stats:
            median, mad, _count = stats
            z = z_score(float(value), median, mad)
            if is_outlier(z):
                reference = Decimal(str(math.exp(median))).quantize(Decimal("0.000001"))
                findings.append(FlagFinding(code, FlagKind.OUTLIER, value, reference, Decimal(str(round(z, 3)))))
    return findings
