"""greencode/services/benchmarks.py at its edges: which field each problem names, the values at 0 and at 100,
one industry's pair apart from another's, and the exact audit records of setting and removing."""

from decimal import Decimal

import pytest
from django.utils.translation import gettext

from greencode.models import Benchmark
from greencode.services import benchmarks
from greencode.services.sensitivity import keys_of
from registry.models import Industry
from reviews.models import Transition

pytestmark = pytest.mark.django_db

NEGATIVE = "Values cannot be negative."
RATE = "This indicator is a rate: values cannot exceed 100."
HIGHER = ("Leading value: higher is better for this indicator, so the leading value must be above the baseline "
          "value.")


def said(problems):
    """The problems as the province reads them (Chinese first)."""
    return [(field, gettext(message)) for field, message in problems]


def test_benchmark_problems_an_unknown_indicator_is_the_code_fields_problem():
    assert benchmarks.benchmark_problems("nope", 1, 2) == said([("code", "Indicator: choose an indicator from the list.")])


@pytest.mark.parametrize(("baseline", "leading"), [(None, 5), (5, None), (None, None)])
def test_benchmark_problems_a_pair_with_one_value_missing_is_left_to_the_form(baseline, leading):
    assert benchmarks.benchmark_problems("renewable_share", baseline, leading) == []


@pytest.mark.parametrize(("code", "baseline", "leading", "expected"), [
    ("renewable_share", -1, 5, [("baseline", NEGATIVE)]),
    ("energy_per_output", 5, -1, [("leading", NEGATIVE)]),
    ("renewable_share", 0, 5, []),           # 0 is a value, not a negative one
    ("energy_per_output", 5, 0, []),
    ("renewable_share", Decimal("0.5"), 5, []),
    ("energy_per_output", 5, Decimal("0.5"), []),
])
def test_benchmark_problems_negative_values_name_their_field_and_zero_is_allowed(code, baseline, leading, expected):
    assert benchmarks.benchmark_problems(code, baseline, leading) == said(expected)


@pytest.mark.parametrize(("baseline", "leading", "expected"), [
    (50, 100, []),                                   # a rate of exactly 100 % is allowed, as leading
    (100, Decimal("100.5"), [("leading", RATE)]),   # and as baseline
    (Decimal("100.5"), Decimal("100.7"), [("baseline", RATE)]),
    (90, Decimal("100.5"), [("leading", RATE)]),
    (100, 50, [("leading", HIGHER)]),                                  # 100 is no rate problem, as baseline
    (Decimal("100.5"), 50, [("leading", HIGHER), ("baseline", RATE)]),  # just above 100, as baseline alone
])
def test_benchmark_problems_a_rate_is_at_most_100_and_the_problem_names_the_field(baseline, leading, expected):
    assert benchmarks.benchmark_problems("renewable_share", baseline, leading) == said(expected)


def _industries():
    return Industry.objects.get(code="39"), Industry.objects.get(code="26")


def test_save_setting_changes_only_its_own_industrys_pair(province):
    electronics, chemicals = _industries()
    benchmarks.set_benchmark(electronics, "energy_per_output", Decimal(200), Decimal(100), actor=province)
    benchmarks.set_benchmark(chemicals, "energy_per_output", Decimal(400), Decimal(300), actor=province)
    pairs = sorted(Benchmark.objects.values_list("industry__code", "baseline", "leading", "set_by"))
    assert pairs == [("26", Decimal(400), Decimal(300), province.pk), ("39", Decimal(200), Decimal(100), province.pk)]


def test_save_and_remove_setting_audit_records_say_what_the_pair_was(province):
    electronics, _ = _industries()
    pair = benchmarks.set_benchmark(electronics, "energy_per_output", Decimal(200), Decimal(100), actor=province)
    pk = pair.pk
    benchmarks.remove_benchmark(pair, actor=province)
    trail = list(Transition.objects.filter(object_id=pk, content_type__model="benchmark").order_by("at", "id")
                 .values_list("action", "comment"))
    assert trail == [
        ("benchmark_set", f"{electronics} 单位产值综合能耗: — ⇒ 200.000000 → 100.000000"),
        ("benchmark_removed", f"{electronics} 单位产值综合能耗: 200.000000 → 100.000000"),
    ]


def test_keys_of_counts_composites_in_units_of_a_ten_thousandth():
    assert keys_of([12.3456, 0.0001, 100.0]) == [123456, 1, 1000000]
