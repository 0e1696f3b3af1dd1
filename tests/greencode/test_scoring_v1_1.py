"""Method v1.1 against omission: every indicator of the applicability table applies; one left blank scores 0 and
ranks below every reported value, so blanking a weak indicator never improves a grade (it did in v1). Runs
record their method; v1 runs stay readable."""

import pytest
from django.urls import reverse

from greencode import applicability
from greencode.models import Score
from greencode.services import scoring
from reviews.models import FilingIndicator
from tests.conftest import login

from .conftest import YEAR

pytestmark = pytest.mark.django_db

BETTER_FIRST = {"A+": 0, "A": 1, "B": 2}
FOUR = ("energy_per_output", "co2_per_output", "water_per_output", "material_per_output")


def score_of(run, unit) -> Score:
    return Score.objects.select_related("run").get(run=run, unit=unit)


def test_v1_1_is_the_method_of_new_runs_and_is_recorded(make_factory):
    make_factory({"energy_per_output": 10})
    run = scoring.run_cohort(YEAR, "national").run
    assert run.method_version == "v1.1"
    assert run.peer_rules["blank"] == scoring.BLANK_RULE_V1_1
    assert run.peer_rules["not_applicable"] == []
    assert run.peer_rules["rounding"] == "composite rounded half up to 4 decimals"


def test_v1_1_a_blank_scores_0_and_ranks_below_every_reported_value(make_factory):
    a = make_factory({"energy_per_output": 10, "water_per_output": 3})
    b = make_factory({"energy_per_output": 20})  # water left blank
    c = make_factory({"energy_per_output": 30, "water_per_output": 1})
    run = scoring.run_cohort(YEAR, "national").run
    water = {u: score_of(run, u).s_water_per_output for u in (a, b, c)}
    # water: lower is better; b's blank is the worst of three, a is next, c best (mid-rank of 3 peers)
    assert water == {a: 100 * 1.5 / 3, b: 0.0, c: 100 * 2.5 / 3}
    assert score_of(run, a).s_renewable_share == 0.0  # nobody reported it: it applies and scores 0
    weights = scoring.indicator_weights()
    expected_b = weights["energy_per_output"] * (100 * 1.5 / 3) / sum(weights.values())
    assert float(score_of(run, b).composite) == pytest.approx(round(expected_b, 4), abs=1e-9)


def test_v1_1_an_indicator_that_does_not_apply_to_the_division_is_left_out(make_factory, monkeypatch):
    monkeypatch.setitem(applicability.NOT_APPLICABLE, "39", {"water_per_output": "不适用（示例）"})
    a = make_factory({"energy_per_output": 10, "water_per_output": 3})
    run = scoring.run_cohort(YEAR, "national").run
    s = score_of(run, a)
    assert (s.s_water_per_output, s.s_co2_per_output) == (None, 0.0)
    assert run.peer_rules["not_applicable"] == [[a.industry_id, "water_per_output"]]


def _cohort(make_factory):
    """Two strong factories, nineteen middling on four indicators, and one (the target) best on energy and CO₂
    and worst on water and material: 22 factories, so A+ is ranks 1–2 and A ranks 3–9."""
    others = [make_factory({code: 2 for code in FOUR}) for _ in range(2)]
    others += [make_factory({"energy_per_output": 100 + i, "co2_per_output": 100 + i,
                             "water_per_output": 20 - i, "material_per_output": 20 - i}) for i in range(1, 20)]
    target = make_factory({"energy_per_output": 1, "co2_per_output": 1, "water_per_output": 50,
                           "material_per_output": 50})
    return others, target


def _blank_two_weakest(run, target) -> list[str]:
    rows = sorted((r["points"], r["code"]) for r in score_of(run, target).indicator_rows() if r["code"] in FOUR)
    weakest = [code for _points, code in rows[:2]]
    FilingIndicator.objects.filter(filing__unit=target, code__in=weakest).delete()
    return weakest


def test_v1_1_blanking_the_two_weakest_applicable_indicators_does_not_improve_the_grade(make_factory):
    _others, target = _cohort(make_factory)
    full = score_of(scoring.run_cohort(YEAR, "national").run, target)
    weakest = _blank_two_weakest(full.run, target)
    blanked = score_of(scoring.run_cohort(YEAR, "national").run, target)
    assert sorted(weakest) == ["material_per_output", "water_per_output"]
    assert (blanked.run.method_version, full.grade) == ("v1.1", "A")
    assert BETTER_FIRST[blanked.grade] >= BETTER_FIRST[full.grade]
    assert blanked.rank >= full.rank
    assert blanked.composite <= full.composite


def test_v1_the_same_omission_did_improve_the_grade(make_factory):
    """Why v1.1 exists: under v1 the same blanking lifts the target's grade (the test above has teeth)."""
    _others, target = _cohort(make_factory)
    full = score_of(scoring.run_cohort(YEAR, "national", method="v1").run, target)
    _blank_two_weakest(full.run, target)
    blanked = score_of(scoring.run_cohort(YEAR, "national", method="v1").run, target)
    assert (full.grade, blanked.grade) == ("A", "A+")


def test_v1_runs_stay_readable_beside_v1_1_runs(make_factory, client, province):
    unit = make_factory({"energy_per_output": 10})
    old = scoring.run_cohort(YEAR, "national", method="v1").run
    new = scoring.run_cohort(YEAR, "national").run
    assert (old.method_version, new.method_version) == ("v1", "v1.1")
    assert [r["code"] for r in score_of(old, unit).indicator_rows()] == ["energy_per_output"]
    assert len(score_of(new, unit).indicator_rows()) == 15
    login(client, province)
    assert client.get(reverse("greencode:run", args=[old.pk])).status_code == 200
    assert client.get(reverse("greencode:run_scores", args=[old.pk])).status_code == 200


def test_unknown_method_version_is_refused(make_factory, settings):
    settings.GREENCODE_METHOD_VERSION = "v9"
    with pytest.raises(scoring.ScoringError):
        scoring.current_method()


def test_v1_1_the_method_page_publishes_the_blank_rule_rounding_and_applicability(client, db, monkeypatch):
    response = client.get(reverse("greencode:method"))
    html = response.content.decode()
    assert response.context["version"] == "v1.1"
    assert "适用的指标留空的，该项得 0 分" in html and "四舍五入保留 4 位小数" in html
    assert "十五项计分指标适用于所有行业大类。" in html
    monkeypatch.setitem(applicability.NOT_APPLICABLE, "39", {"water_per_output": "本行业不用水（示例）"})
    assert "本行业不用水（示例）" in client.get(reverse("greencode:method")).content.decode()


def test_v1_1_blanks_count_as_the_worst_peers_in_a_widened_group_and_cohort(make_factory):
    # 12 in division 38 report energy; in 36 three report it and one leaves it blank (4: widened to the equipment
    # group of 16); in 39 two report it and one leaves it blank (3: alone in its group, widened to the cohort of 19).
    for i in range(12):
        make_factory({"energy_per_output": 10 + i}, industry="38")
    best_36 = make_factory({"energy_per_output": 100}, industry="36")
    for i in range(2):
        make_factory({"energy_per_output": 101 + i}, industry="36")
    blank_36 = make_factory({"co2_per_output": 5}, industry="36")
    best_39 = make_factory({"energy_per_output": 1000}, industry="39")
    make_factory({"energy_per_output": 1001}, industry="39")
    blank_39 = make_factory({"co2_per_output": 5}, industry="39")
    run = scoring.run_cohort(YEAR, "national").run
    energy = {u: score_of(run, u).s_energy_per_output for u in (best_36, blank_36, best_39, blank_39)}
    assert run.peer_groups[str(best_36.industry_id)]["energy_per_output"] == ["group", 16]
    assert run.peer_groups[str(best_39.industry_id)]["energy_per_output"] == ["cohort", 19]
    # 36's best is worse than all twelve of 38, better than 36's other two and its blank; 39's best is better
    # than 39's other and the cohort's two blanks; a blank scores 0
    assert energy == {best_36: 100 * 3.5 / 16, blank_36: 0.0, best_39: 100 * 3.5 / 19, blank_39: 0.0}
