"""Method v1.1: which scored indicators apply to each GB/T 4754 industry division.

By default all fifteen scored indicators apply to every division. NOT_APPLICABLE names the exceptions, per
division code, each with the reason the method page publishes. An indicator that applies and is left blank
scores 0 in v1.1 (greencode.services.scoring); one that does not apply is left out of the composite, as in v1.
"""

from __future__ import annotations

from registry.models import Industry

from .models import SCORED_CODES

# {division code: {indicator code: why it does not apply}}. Empty: every indicator applies everywhere. The
# province extends it as it learns (a change takes effect from the next run; each run stores the table it used).
NOT_APPLICABLE: dict[str, dict[str, str]] = {}


def not_applicable_pairs() -> list[tuple[int, str]]:
    """(industry id, indicator code) for every indicator that does not apply to a division, for a run."""
    if not NOT_APPLICABLE:
        return []
    ids = dict(Industry.objects.filter(code__in=list(NOT_APPLICABLE)).values_list("code", "id"))
    return sorted((ids[div], code) for div, codes in NOT_APPLICABLE.items() if div in ids
                  for code in codes if code in SCORED_CODES)


def table() -> list[dict]:
    """The published table: each division with an exception, and the indicators that do not apply to it."""
    names = {i.code: str(i) for i in Industry.objects.filter(code__in=list(NOT_APPLICABLE))}
    return [{"division": div, "name": names.get(div, div), "codes": sorted(codes.items())}
            for div, codes in sorted(NOT_APPLICABLE.items())]
