"""Every key indicator of a filing in context: three years, the industry, the province's benchmarks, the value
at listing, and a suggested verdict with its reason.

The city's review page and the enterprise's filing page both read `filing_context`, so the enterprise sees
what the city will see. It runs a constant number of queries whatever the number of indicators, years or
peers: this year's values, the unit's earlier accepted values, the values it entered for the years before it
joined the portal, its peers' values, the data flags, and the benchmarks.

基准值/引领值 belong to greencode, which reviews must not import. greencode registers a provider in the
`REVIEW_BENCHMARK_PROVIDERS` setting (dotted paths, like DEMO_SEEDERS): a function
`(industry_ids, codes) -> {(industry_id, code): (baseline, leading)}`. Without one, no benchmark is shown.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ..checks import YOY_LIMIT
from ..enums import FilingState, FlagKind, FlagVerdict, SuggestionKind
from ..indicators import Indicator, key_indicators
from ..models import DataFlag, Filing, FilingIndicator, PriorYearValue

YEARS_SHOWN = 3  # this year and the two before it (Guangdong: "the last three years")
PEER_STATES = (FilingState.SUBMITTED, FilingState.ACCEPTED)


@dataclass(frozen=True)
class Suggestion:
    verdict: str  # a SuggestionKind value
    reason: str

    @property
    def is_verdict(self) -> bool:
        """A suggestion the reviewer can accept as a verdict (compliant or non-compliant)."""
        return self.verdict in (SuggestionKind.COMPLIANT, SuggestionKind.NON_COMPLIANT)


@dataclass
class IndicatorContext:
    indicator: Indicator
    value: Decimal | None
    years: list[tuple[int, Decimal | None]] = field(default_factory=list)  # oldest first, this year last
    last: Decimal | None = None
    change: Decimal | None = None  # fraction of last year's value: 0.5 is +50 %
    median: Decimal | None = None
    peers: int = 0
    position: int | None = None  # "前 x %" among the peers (1-100), in the better direction
    baseline: Decimal | None = None
    leading: Decimal | None = None
    at_listing: Decimal | None = None
    listing_year: int | None = None
    flag: DataFlag | None = None  # the year-on-year flag, with the enterprise's explanation and the city's verdict
    suggestion: Suggestion | None = None

    @property
    def change_percent(self) -> Decimal | None:
        return None if self.change is None else (self.change * 100).quantize(Decimal("0.1"))

    @property
    def code(self) -> str:
        return self.indicator.code


def is_worse(indicator: Indicator, value: Decimal, reference: Decimal) -> bool:
    """Strictly worse than the reference in the indicator's direction (equal is not worse)."""
    return value > reference if indicator.lower_is_better else value < reference


def change_of(value: Decimal | None, last: Decimal | None) -> Decimal | None:
    """The year-on-year change as a fraction of last year's value; None without a positive last value."""
    if value is None or last is None or last <= 0:
        return None
    return (Decimal(value) - Decimal(last)) / Decimal(last)


def _fmt(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


def suggest(indicator: Indicator, value: Decimal | None, *, last: Decimal | None, baseline: Decimal | None,
            explanation_accepted: bool) -> Suggestion:
    """The suggested verdict and its reason.

    Worse than the 基准值 → non-compliant. A change on last year beyond the flag threshold (±50 %, as the data
    checks) without an explanation the city accepted → check. Otherwise, with a 基准值 or last year's value to
    compare with → compliant. With neither → no suggestion.
    """
    if value is None:
        return Suggestion(SuggestionKind.NONE, _("Not reported."))
    if baseline is not None and is_worse(indicator, value, baseline):
        return Suggestion(SuggestionKind.NON_COMPLIANT,
                          _("Worse than the baseline value (基准值) %(b)s.") % {"b": _fmt(baseline)})
    change = change_of(value, last) if indicator.yoy_checked else None
    beyond = change is not None and abs(change) > YOY_LIMIT
    if beyond and not explanation_accepted:
        return Suggestion(SuggestionKind.CHECK, _(
            "Changed by %(p)s %% on last year, beyond ±%(limit)s %%, without an explanation the city accepted.")
            % {"p": _fmt((change * 100).quantize(Decimal("0.1"))), "limit": _fmt(YOY_LIMIT * 100)})
    if baseline is not None:
        return Suggestion(SuggestionKind.COMPLIANT,
                          _("At or better than the baseline value (基准值) %(b)s.") % {"b": _fmt(baseline)})
    if beyond:
        return Suggestion(SuggestionKind.COMPLIANT, _("A large change on last year, explained and accepted by the city."))
    if change is not None:
        return Suggestion(SuggestionKind.COMPLIANT,
                          _("Within ±%(limit)s %% of last year's value.") % {"limit": _fmt(YOY_LIMIT * 100)})
    return Suggestion(SuggestionKind.NONE, _("No reference: no baseline value and no earlier year to compare with."))


def position(indicator: Indicator, value: Decimal, peer_values: list[Decimal]) -> int | None:
    """"前 x %": x = ⌈100 · r ÷ n⌉ with r = 1 + peers strictly better (DESIGN.md's positions)."""
    if not peer_values:
        return None
    better = sum(1 for v in peer_values if is_worse(indicator, value, v))
    return math.ceil(100 * (1 + better) / len(peer_values))


def benchmarks(industry_ids: list[int], codes: list[str]) -> dict[tuple[int, str], tuple[Decimal, Decimal]]:
    """基准值/引领值 from the providers registered in settings (greencode's), merged; none without a provider."""
    found: dict[tuple[int, str], tuple[Decimal, Decimal]] = {}
    if not industry_ids or not codes:
        return found
    for path in getattr(settings, "REVIEW_BENCHMARK_PROVIDERS", ()):
        found.update(import_string(path)(industry_ids, codes))
    return found


def _earlier_values(filing: Filing, years: list[int]) -> dict[int, dict[str, Decimal]]:
    """{data year: {code: value}} from the unit's accepted filings, else what it entered for the years before it
    joined the portal."""
    found: dict[int, dict[str, Decimal]] = {}
    for year, code, value in PriorYearValue.objects.filter(unit_id=filing.unit_id, year__in=years).values_list(
            "year", "code", "value"):
        found.setdefault(year, {})[code] = value
    for campaign_year, code, value in FilingIndicator.objects.filter(
        filing__unit_id=filing.unit_id, filing__state=FilingState.ACCEPTED,
        filing__campaign__year__in=[y + 1 for y in years],
    ).exclude(filing_id=filing.pk).values_list("filing__campaign__year", "code", "value"):
        found.setdefault(campaign_year - 1, {})[code] = value
    return found


def _peer_values(filing: Filing, codes: list[str]) -> dict[str, list[Decimal]]:
    if filing.unit.industry_id is None:
        return {}
    peers: dict[str, list[Decimal]] = {}
    for code, value in FilingIndicator.objects.filter(
        filing__campaign_id=filing.campaign_id, filing__unit__industry_id=filing.unit.industry_id,
        filing__unit__kind=filing.unit.kind, filing__state__in=PEER_STATES, code__in=codes,
    ).exclude(filing_id=filing.pk).values_list("code", "value"):
        peers.setdefault(code, []).append(value)
    return peers


def shown_years(filing: Filing) -> list[int]:
    """The data years shown for each indicator, oldest first: the two before this one, and this one."""
    data_year = filing.campaign.data_year
    return [data_year - k for k in range(YEARS_SHOWN - 1, -1, -1)]


def filing_context(filing: Filing, values: dict[str, Decimal] | None = None,
                   flags: list[DataFlag] | None = None) -> list[IndicatorContext]:
    """Every key indicator of the filing in context (see the module's docstring); constant queries.

    `values` ({code: value}) and `flags` (the filing's data flags) save their queries when the caller has them.
    """
    indicators = key_indicators(filing.unit.kind)
    codes = [i.code for i in indicators]
    if values is None:
        values = dict(filing.indicators.values_list("code", "value")) if filing.pk else {}
    data_year = filing.campaign.data_year
    listing_year = filing.unit.year_listed
    earlier_years = shown_years(filing)[:-1]
    wanted = sorted({*earlier_years, listing_year} - {data_year})
    earlier = _earlier_values(filing, wanted)
    peers = _peer_values(filing, codes)
    if flags is None:
        flags = list(filing.flags.all()) if filing.pk else []
    flags = {f.code: f for f in flags if f.kind == FlagKind.YEAR_ON_YEAR}
    marks = benchmarks([filing.unit.industry_id] if filing.unit.industry_id else [], codes)
    rows = []
    for indicator in indicators:
        code = indicator.code
        value = values.get(code)
        row = IndicatorContext(indicator, value)
        row.years = [(year, earlier.get(year, {}).get(code)) for year in earlier_years] + [(data_year, value)]
        row.last = earlier.get(data_year - 1, {}).get(code)
        row.change = change_of(value, row.last)
        peer_values = peers.get(code, []) + ([value] if value is not None else [])
        row.peers = len(peer_values)
        if peer_values:
            row.median = Decimal(statistics.median(peer_values))
        if value is not None:
            row.position = position(indicator, value, peer_values)
        row.baseline, row.leading = marks.get((filing.unit.industry_id, code), (None, None))
        if listing_year == data_year:
            row.at_listing, row.listing_year = value, listing_year
        elif listing_year in earlier:
            row.at_listing, row.listing_year = earlier[listing_year].get(code), listing_year
        row.flag = flags.get(code)
        row.suggestion = suggest(indicator, value, last=row.last, baseline=row.baseline,
                                 explanation_accepted=bool(row.flag and row.flag.verdict == FlagVerdict.CONFIRMED))
        rows.append(row)
    return rows


def suggested_verdicts(rows: list[IndicatorContext]) -> dict[str, str]:
    """{code: verdict} for every indicator with a suggestion the reviewer can accept."""
    return {r.code: r.suggestion.verdict for r in rows if r.suggestion and r.suggestion.is_verdict}
