"""greencode/services/pages.py's page data, pinned: a run overview's grade bars (counts and shares to one decimal
of the grades the run counted), its counts by industry (total, each grade, no code) and by reason, its weights to
four decimals; and the sensitivity table (the group's weight moved by the run's shift, shares of the graded
factories, bars scaled to the largest count, groups in the method's order); each indicator's share of the weight
and the points it alone would need; the position chart's coordinates; and which run is the previous one."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from greencode.models import Score, ScoreRun
from greencode.services import pages
from registry.models import Industry
from tests import factories


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _run(**fields) -> ScoreRun:
    return ScoreRun.objects.create(**{"year": 2025, "level": "national", "status": "finished",
                                      "started_at": timezone.now(), **fields})


def _score(run: ScoreRun, industry: Industry, *, grade: str = "", reason: str = "") -> Score:
    unit = factories.UnitFactory(industry=industry)
    return Score.objects.create(run=run, unit=unit, industry=industry, industry_group=industry.group, grade=grade,
                                reason=reason)


# ---------------------------------------------------------------- run_overview: the grade bars

@pytest.mark.django_db
@pytest.mark.parametrize(("grades", "bars"), [
    # a grade the run did not count shows 0; 1 of 3 is 33.3 %, not 33 or 33.33
    ({"A+": 1, "A": 2}, [("A+", 1, 33.3), ("A", 2, 66.7), ("B", 0, 0.0)]),
    ({"A+": 1, "A": 7, "B": 12}, [("A+", 1, 5.0), ("A", 7, 35.0), ("B", 12, 60.0)]),
    ({"B": 3}, [("A+", 0, 0.0), ("A", 0, 0.0), ("B", 3, 100.0)]),
    ({"A+": 0, "A": 0, "B": 0}, [("A+", 0, 0.0), ("A", 0, 0.0), ("B", 0, 0.0)]),
])
def test_run_overview_bars_count_each_grade_and_its_share_to_one_decimal(grades, bars):
    run = _run(counts={"grades": grades})

    overview = pages.run_overview(run)

    assert overview["bars"] == [{"grade": g, "n": n, "pct": pct} for g, n, pct in bars]


@pytest.mark.django_db
def test_run_overview_of_a_run_without_counts_is_empty_and_zero():
    run = _run(status="running", counts={})

    assert pages.run_overview(run) == {
        "bars": [{"grade": "A+", "n": 0, "pct": 0.0}, {"grade": "A", "n": 0, "pct": 0.0},
                 {"grade": "B", "n": 0, "pct": 0.0}],
        "by_industry": [], "reasons": [], "weights": [],
    }


# ---------------------------------------------------------------- run_overview: by industry

@pytest.mark.django_db
def test_run_overview_counts_each_industry_by_grade_and_without_a_code():
    electronics, chemicals = Industry.objects.get(code="39"), Industry.objects.get(code="26")
    run = _run()
    for grade in ("A+", "A", "A", "B"):
        _score(run, electronics, grade=grade)
    _score(run, electronics, reason="not_filed")
    for grade, reason in (("B", ""), ("", "anomalous"), ("", "incident")):
        _score(run, chemicals, grade=grade, reason=reason)
    _score(_run(), electronics, grade="A+")  # another run's score

    by_industry = pages.run_overview(run)["by_industry"]

    assert by_industry == [  # in the industries' order (26 before 39)
        {"industry_id": chemicals.pk, "industry": "26 化学原料和化学制品制造业",
         "total": 3, "a_plus": 0, "a": 0, "b": 1, "none": 2},
        {"industry_id": electronics.pk, "industry": "39 计算机、通信和其他电子设备制造业",
         "total": 5, "a_plus": 1, "a": 2, "b": 1, "none": 1},
    ]


@pytest.mark.django_db
def test_run_overview_an_industry_that_is_gone_shows_an_empty_name():
    """Scores reference their industry without a database foreign key: a row whose industry no longer exists is
    still counted, under an empty name."""
    run = _run()
    missing = Industry.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    Score.objects.create(run=run, unit=factories.UnitFactory(), industry_id=missing, industry_group="", grade="B")

    assert pages.run_overview(run)["by_industry"] == [
        {"industry_id": missing, "industry": "", "total": 1, "a_plus": 0, "a": 0, "b": 1, "none": 0}]


# ---------------------------------------------------------------- run_overview: reasons and weights

@pytest.mark.django_db
def test_run_overview_reasons_in_code_order_with_their_label_and_count():
    run = _run(counts={"grades": {"A": 1}, "reasons": {"not_filed": 3, "anomalous": 1, "removed": 2}})

    assert pages.run_overview(run)["reasons"] == [
        {"reason": "Unresolved data anomaly (数据异常)", "code": "anomalous", "n": 1},
        {"reason": "Did not file (未填报)", "code": "not_filed", "n": 3},
        {"reason": "Removed from the list", "code": "removed", "n": 2},
    ]


@pytest.mark.django_db
def test_run_overview_weights_to_four_decimals_with_indicator_and_group_unknown_codes_left_out():
    run = _run(weights={"energy_per_output": 0.123456, "retired_indicator": 0.5, "water_reuse_rate": 0.25})

    assert pages.run_overview(run)["weights"] == [
        {"indicator": "Comprehensive energy consumption per 10,000 yuan of output", "code": "energy_per_output",
         "group": "Energy and carbon", "weight": 0.1235},
        {"indicator": "Industrial water reuse rate", "code": "water_reuse_rate", "group": "Resources",
         "weight": 0.25},
    ]


# ---------------------------------------------------------------- sensitivity_table

def test_sensitivity_table_moves_each_weight_by_the_runs_shift_in_the_methods_group_order():
    """Groups stored in another order come out in the method's (energy before land), and a group the method no
    longer has comes last under its code. Shares are of the 40 graded factories; bars of the largest count (4)."""
    run = ScoreRun(sensitivity={"shift": 0.2, "graded": 40, "groups": {
        "retired": {"weight": 5.0, "up": 1, "down": 0},
        "land": {"weight": 10.0, "up": 2, "down": 4},
        "energy": {"weight": 35.0, "up": 3, "down": 1},
    }})

    assert pages.sensitivity_table(run) == {"shift_pct": 20, "graded": 40, "rows": [
        {"group": "Energy and carbon", "code": "energy", "weight": 35.0,
         "up": {"n": 3, "weight": 42.0, "pct": 7.5, "bar": 75.0},
         "down": {"n": 1, "weight": 28.0, "pct": 2.5, "bar": 25.0}},
        {"group": "Land use", "code": "land", "weight": 10.0,
         "up": {"n": 2, "weight": 12.0, "pct": 5.0, "bar": 50.0},
         "down": {"n": 4, "weight": 8.0, "pct": 10.0, "bar": 100.0}},
        {"group": "retired", "code": "retired", "weight": 5.0,
         "up": {"n": 1, "weight": 6.0, "pct": 2.5, "bar": 25.0},
         "down": {"n": 0, "weight": 4.0, "pct": 0.0, "bar": 0.0}},
    ]}


def test_sensitivity_table_shares_to_two_decimals_and_bars_to_one():
    run = ScoreRun(sensitivity={"shift": 0.1, "graded": 3, "groups": {
        "energy": {"weight": 33.3333, "up": 1, "down": 3}}})

    row = pages.sensitivity_table(run)["rows"][0]

    assert (row["up"], row["down"]) == ({"n": 1, "weight": 36.67, "pct": 33.33, "bar": 33.3},
                                        {"n": 3, "weight": 30.0, "pct": 100.0, "bar": 100.0})


def test_sensitivity_table_without_shift_or_graded_moves_by_ten_percent_and_shows_no_shares():
    run = ScoreRun(sensitivity={"groups": {"energy": {"weight": 35.0, "up": 2, "down": 0}}})

    assert pages.sensitivity_table(run) == {"shift_pct": 10, "graded": 0, "rows": [
        {"group": "Energy and carbon", "code": "energy", "weight": 35.0,
         "up": {"n": 2, "weight": 38.5, "pct": 0.0, "bar": 100.0},
         "down": {"n": 0, "weight": 31.5, "pct": 0.0, "bar": 0.0}},
    ]}


def test_sensitivity_table_where_no_grade_changes_every_bar_is_zero():
    run = ScoreRun(sensitivity={"shift": 0.1, "graded": 20, "groups": {
        "energy": {"weight": 35.0, "up": 0, "down": 0}, "land": {"weight": 10.0, "up": 0, "down": 0}}})

    rows = pages.sensitivity_table(run)["rows"]

    assert [(r["code"], r["up"]["bar"], r["down"]["bar"], r["up"]["pct"], r["down"]["pct"]) for r in rows] == [
        ("energy", 0.0, 0.0, 0.0, 0.0), ("land", 0.0, 0.0, 0.0, 0.0)]


@pytest.mark.parametrize("figure", [{}, {"shift": 0.1, "graded": 20, "groups": {}}])
def test_sensitivity_table_of_a_run_from_before_the_figure_is_none(figure):
    assert pages.sensitivity_table(ScoreRun(sensitivity=figure)) is None


# ---------------------------------------------------------------- indicator_table

def test_indicator_table_weighs_each_indicator_by_the_runs_weights_and_a_missing_weight_counts_zero():
    """Σw is over the weights the run has for the indicators that apply (3 + 1 = 4); renewable_share has none, so it
    adds nothing to Σw and cannot lift the grade alone. The gap to the A cut is 2: energy would need
    50 + 2 × 4 ÷ 3 = 52.7, water 80 + 2 × 4 ÷ 1 = 88."""
    run = ScoreRun(weights={"energy_per_output": 3, "water_reuse_rate": 1}, cut_a=Decimal("62"),
                   cut_a_plus=Decimal("70"))
    score = Score(run=run, industry_id=39, grade="B", composite=Decimal("60"), s_energy_per_output=50.0,
                  s_renewable_share=40.0, s_water_reuse_rate=80.0)

    rows = pages.indicator_table(score)

    assert [(r["code"], r["weight"], r["needed"]) for r in rows] == [
        ("energy_per_output", 75.0, 52.7), ("renewable_share", 0.0, None), ("water_reuse_rate", 25.0, 88.0)]


# ---------------------------------------------------------------- position_chart

def _ranked(year: int, rank: int | None, graded: int = 100, grade: str = "A") -> Score:
    return Score(run=ScoreRun(year=year, graded=graded), rank=rank, grade=grade)


def test_position_chart_points_in_year_order_unranked_years_left_out():
    """x spreads the ranked years from 28 to 292 (320 wide, 28 padding); y is 14 + 118 × position ÷ 100 (the top
    is the best), to one decimal."""
    history = [_ranked(2025, 3, grade="A+"), _ranked(2022, None, grade=""), _ranked(2023, 37),
               _ranked(2024, 83, grade="B")]

    chart = pages.position_chart(history)

    assert chart == {
        "points": [pages.ChartPoint(2023, "A", 37, 28.0, 57.7), pages.ChartPoint(2024, "B", 83, 160.0, 111.9),
                   pages.ChartPoint(2025, "A+", 3, 292.0, 17.5)],
        "polyline": "28.0,57.7 160.0,111.9 292.0,17.5", "w": 320, "h": 160,
        "cut_a_plus_y": 19.9, "cut_a_y": 61.2, "base_y": 132,
    }


def test_position_chart_x_to_one_decimal_over_eight_years():
    history = [_ranked(2018 + i, 50) for i in range(8)]  # 264 ÷ 7 apart

    chart = pages.position_chart(history)

    assert chart["polyline"] == ("28.0,73.0 65.7,73.0 103.4,73.0 141.1,73.0 178.9,73.0 216.6,73.0 254.3,73.0 "
                                 "292.0,73.0")


def test_position_chart_of_two_years_spans_the_width():
    chart = pages.position_chart([_ranked(2024, 10), _ranked(2025, 1)])

    assert chart["polyline"] == "28.0,25.8 292.0,15.2"


def test_position_chart_of_one_year_is_in_the_middle():
    chart = pages.position_chart([_ranked(2025, 7, graded=20)])  # 前 35 %

    assert chart["points"] == [pages.ChartPoint(2025, "A", 35, 160.0, 55.3)]
    assert chart["polyline"] == "160.0,55.3"


def test_position_chart_of_no_ranked_year_is_empty():
    chart = pages.position_chart([_ranked(2025, None)])

    assert (chart["points"], chart["polyline"]) == ([], "")


# ---------------------------------------------------------------- previous_run

def _finished(year: int, at, *, level: str = "national", status: str = "finished") -> ScoreRun:
    return ScoreRun.objects.create(year=year, level=level, status=status, started_at=at, finished_at=at)


@pytest.mark.django_db
def test_previous_run_is_the_latest_earlier_finished_run_of_the_year_before_any_of_last_year():
    now = timezone.now()
    run = _finished(2025, now)
    _finished(2025, now - dt.timedelta(hours=3))  # earlier the same year: the latest comes first
    same_year = _finished(2025, now - dt.timedelta(hours=2))
    _finished(2024, now - dt.timedelta(hours=1))  # last year's, recomputed later: the year comes first
    _finished(2025, now - dt.timedelta(minutes=30), status="failed")
    _finished(2025, now - dt.timedelta(minutes=20), level="provincial")
    _finished(2025, now + dt.timedelta(hours=1))  # finished after it
    _finished(2026, now - dt.timedelta(minutes=10))  # a later year, finished before it

    assert pages.previous_run(run) == same_year


@pytest.mark.django_db
def test_previous_run_falls_back_to_last_year_never_two_years_back():
    now = timezone.now()
    run = _finished(2025, now)
    last_year = _finished(2024, now - dt.timedelta(hours=2))
    _finished(2023, now - dt.timedelta(hours=1))

    assert pages.previous_run(run) == last_year
    last_year.delete()
    assert pages.previous_run(run) is None


def test_indicator_table_weight_share_to_one_decimal():
    run = ScoreRun(weights={"energy_per_output": 2, "water_reuse_rate": 1}, cut_a=Decimal("62"))
    score = Score(run=run, industry_id=39, grade="A", composite=Decimal("60"), s_energy_per_output=50.0,
                  s_water_reuse_rate=80.0)

    assert [r["weight"] for r in pages.indicator_table(score)] == [66.7, 33.3]


def test_sensitivity_table_shift_as_a_whole_percentage():
    run = ScoreRun(sensitivity={"shift": 0.6, "graded": 10, "groups": {"energy": {"weight": 35.0, "up": 1, "down": 0}}})

    assert pages.sensitivity_table(run)["shift_pct"] == 60


def _two(composite: str, cut: str, weights: dict) -> list:
    run = ScoreRun(weights=weights, cut_a=Decimal(cut))
    score = Score(run=run, industry_id=39, grade="B", composite=Decimal(composite), s_energy_per_output=99.0,
                  s_water_reuse_rate=99.5)
    return [(r["weight"], r["needed"]) for r in pages.indicator_table(score)]


def test_indicator_table_needed_points_at_their_boundaries():
    both = {"energy_per_output": 1, "water_reuse_rate": 1}
    # gap 0.5 × Σw 2 ÷ w 1 = 1: energy needs exactly 100 (reachable), water 100.5 (not)
    assert _two("60", "60.5", both) == [(50.0, 100.0), (50.0, None)]
    assert _two("60", "60", both) == [(50.0, None), (50.0, None)]  # at the cut: nothing needed
    assert _two("60", "62", {}) == [(0, None), (0, None)]  # a run without weights
