"""基准值/引领值 (finding 4): one rule in the form, the model and the database; set and removed with an audit."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from greencode.models import Benchmark
from greencode.services import benchmarks, scoring
from registry.models import Industry
from reviews.models import Transition
from tests.conftest import login

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def industry():
    return Industry.objects.get(code="39")


@pytest.mark.parametrize(("code", "baseline", "leading"), [
    ("energy_per_output", 100, 100),          # equal: a run would divide by zero
    ("energy_per_output", 100, 200),          # lower is better: the leading value must be below
    ("renewable_share", 50, 10),              # higher is better: the leading value must be above
    ("not_an_indicator", 1, 2),               # an unknown indicator
    ("renewable_share", -5, 10),              # negative
])
def test_benchmarks_database_refuses_a_pair_that_breaks_a_run(code, baseline, leading):
    with pytest.raises(IntegrityError), transaction.atomic():
        Benchmark.objects.create(industry=industry(), code=code, baseline=Decimal(baseline), leading=Decimal(leading))
    assert not Benchmark.objects.exists()


@pytest.mark.parametrize(("code", "baseline", "leading", "field"), [
    ("energy_per_output", 100, 100, "leading"), ("energy_per_output", 100, 200, "leading"),
    ("renewable_share", 50, 10, "leading"), ("renewable_share", 50, 101, "leading"),
])
def test_benchmarks_model_clean_names_the_field(code, baseline, leading, field):
    pair = Benchmark(industry=industry(), code=code, baseline=Decimal(baseline), leading=Decimal(leading))
    with pytest.raises(ValidationError) as refused:
        pair.full_clean()
    assert field in refused.value.message_dict


@pytest.mark.parametrize(("code", "baseline", "leading"), [
    ("energy_per_output", "100", "99.999999"), ("renewable_share", "50", "50.000001"),
])
def test_benchmarks_strictly_better_by_the_smallest_step_is_accepted(code, baseline, leading, province):
    pair = benchmarks.set_benchmark(industry(), code, Decimal(baseline), Decimal(leading), actor=province)
    assert pair.pk is not None


def test_benchmarks_set_and_remove_are_audited_and_province_only(province, gz_reviewer):
    with pytest.raises(PermissionDenied):
        benchmarks.set_benchmark(industry(), "energy_per_output", Decimal(200), Decimal(100), actor=gz_reviewer)
    big = Decimal("123456789012.5")
    pair = benchmarks.set_benchmark(industry(), "energy_per_output", big, Decimal(100), actor=province)
    pair = benchmarks.set_benchmark(industry(), "energy_per_output", Decimal(300), Decimal(100), actor=province)
    pk = pair.pk
    benchmarks.remove_benchmark(pair, actor=province)
    trail = list(Transition.objects.filter(object_id=pk, content_type__model="benchmark").order_by("at", "id")
                 .values_list("action", "actor"))
    assert trail == [("benchmark_set", province.pk), ("benchmark_set", province.pk),
                     ("benchmark_removed", province.pk)]
    last_set = Transition.objects.filter(object_id=pk, action="benchmark_set").order_by("-at", "-id").first()
    assert last_set.comment.endswith(": 123456789012.500000 → 100.000000 ⇒ 300.000000 → 100.000000")
    assert not Benchmark.objects.exists()


def test_benchmarks_removal_asks_for_confirmation_first(client, province):
    pair = benchmarks.set_benchmark(industry(), "energy_per_output", Decimal(200), Decimal(100), actor=province)
    login(client, province)
    url = reverse("greencode:benchmark_remove", args=[pair.pk])
    assert client.get(url).status_code == 200
    assert Benchmark.objects.filter(pk=pair.pk).exists()
    assert client.post(url).status_code == 302
    assert not Benchmark.objects.filter(pk=pair.pk).exists()


def test_benchmarks_admin_cannot_change_or_delete(admin_client, province):
    pair = benchmarks.set_benchmark(industry(), "energy_per_output", Decimal(200), Decimal(100), actor=province)
    change = admin_client.post(reverse("admin:greencode_benchmark_change", args=[pair.pk]),
                               {"baseline": "100", "leading": "100"})
    assert change.status_code == 403
    assert admin_client.post(reverse("admin:greencode_benchmark_delete", args=[pair.pk]), {"post": "yes"}).status_code == 403
    assert Benchmark.objects.get(pk=pair.pk).leading == Decimal(100)


@pytest.mark.parametrize("model", ["scorerun", "score", "greencode", "greencodeevent", "cohortstate", "methodpage"])
def test_benchmarks_admin_read_only_records(admin_client, model):
    assert admin_client.get(reverse(f"admin:greencode_{model}_add")).status_code == 403


def test_benchmarks_a_linear_pair_scores_inside_the_run(make_factory, province):
    units = [make_factory({"energy_per_output": v}) for v in (50, 100, 150, 200, 250)]
    benchmarks.set_benchmark(industry(), "energy_per_output", Decimal(200), Decimal(100), actor=province)
    run = scoring.run_cohort(YEAR, "national").run
    points = {s.unit_id: s.s_energy_per_output for s in run.scores.all()}
    assert [points[u.pk] for u in units] == [100.0, 100.0, 50.0, 0.0, 0.0]


def test_benchmarks_for_is_the_provider_reviews_reads_through_settings(settings, django_assert_num_queries):
    own, other = industry(), Industry.objects.get(code="26")
    Benchmark.objects.create(industry=own, code="energy_per_output", baseline=30, leading=10)
    Benchmark.objects.create(industry=other, code="energy_per_output", baseline=90, leading=40)
    Benchmark.objects.create(industry=own, code="renewable_share", baseline=5, leading=30)
    assert "greencode.services.benchmarks.benchmarks_for" in settings.REVIEW_BENCHMARK_PROVIDERS
    with django_assert_num_queries(1):
        found = benchmarks.benchmarks_for([own.pk], ["energy_per_output", "co2_per_output"])
    assert found == {(own.pk, "energy_per_output"): (Decimal("30"), Decimal("10"))}
