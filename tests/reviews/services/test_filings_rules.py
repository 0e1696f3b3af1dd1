"""The enterprise's side of a filing, rule by rule (reviews.services.filings): who may file, the draft and its
version, the derived indicators and flags (kept, reset, explained, dropped), submission and its audit record, the
earlier years entered once, and a city's bulk upload, all or nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from reviews import checks
from reviews.enums import FilingState, FlagKind, FlagVerdict
from reviews.indicators import BY_CODE
from reviews.models import Campaign, DataFlag, Filing, FilingIndicator, PriorYearValue, Transition
from reviews.services import filings as service
from reviews.services import review as review_services
from reviews.uploads import BulkRow
from tests import factories
from tests.reviews.review_helpers import totals

pytestmark = pytest.mark.django_db

D = Decimal
ENERGY, CO2 = "energy_per_output", "co2_per_output"
YOY = FlagKind.YEAR_ON_YEAR
STALE = _("Someone else saved this filing after you opened it. Reload the page to see their changes, then enter yours again.")


def make_campaign(year: int) -> Campaign:
    return Campaign.objects.get_or_create(year=year, defaults={
        "filing_opens": dt.date(year, 1, 15), "filing_due": dt.date(year, 3, 10),
        "city_review_due": dt.date(year, 3, 31), "province_report_due": dt.date(year, 4, 15)})[0]


@pytest.fixture
def campaign(db):
    return make_campaign(2024)


@pytest.fixture
def enterprise(gz_unit):
    return factories.enterprise_user(gz_unit)


def history(filing: Filing) -> list[tuple]:
    """The filing's audit records, oldest first: (action, from, to, actor, comment)."""
    return list(Transition.objects.filter(object_id=filing.pk, content_type__model="filing").order_by("at", "pk")
                .values_list("action", "from_state", "to_state", "actor__username", "comment"))


def accepted_last_year(unit, energy="200", co2="500") -> Filing:
    """Last year's accepted filing, the reference of this year's year-on-year flags (20 kgce and 50 kgCO₂ per 万元)."""
    previous = service.filing_for(make_campaign(2023), unit)
    service.save_filing(previous, {**totals(), "energy_tce": D(energy), "co2_t": D(co2)}, actor=None)
    Filing.objects.filter(pk=previous.pk).update(state=FilingState.ACCEPTED)
    return previous


def doubled() -> dict:
    """Both intensities twice last year's: +100 %, two year-on-year flags."""
    return {**totals(), "energy_tce": D("400"), "co2_t": D("1000")}


def flags_of(filing: Filing) -> dict:
    return {(f.code, f.kind): f for f in DataFlag.objects.filter(filing=filing)}


def indicators_of(filing: Filing) -> dict:
    return dict(FilingIndicator.objects.filter(filing=filing).values_list("code", "value"))


# --- who files, and the filing itself ------------------------------------------------------------------------------

def test_can_file_for_only_the_units_own_enterprise(gz_unit, sz_unit, enterprise, gz_reviewer):
    assert service.can_file_for(enterprise, gz_unit) is True
    assert service.can_file_for(factories.enterprise_user(sz_unit), gz_unit) is False
    assert service.can_file_for(gz_reviewer, gz_unit) is False


def test_filing_for_creates_an_audited_draft_once(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit, actor=enterprise)
    assert (filing.pk is not None, filing.state, filing.version, filing.updated_by) == (True, FilingState.DRAFT, 1,
                                                                                        enterprise)
    assert filing.unit is gz_unit and filing.campaign is campaign
    assert history(filing) == [("create", "", "draft", enterprise.username, "")]
    again = service.filing_for(campaign, gz_unit, actor=enterprise)
    assert again.pk == filing.pk
    assert again.unit is gz_unit and again.campaign is campaign
    assert Filing.objects.count() == 1
    assert len(history(filing)) == 1


def test_filing_for_is_per_campaign_and_per_unit(campaign, gz_unit, sz_unit):
    last_year = service.filing_for(make_campaign(2023), gz_unit)
    other_unit = service.filing_for(campaign, sz_unit)
    this_year = service.filing_for(campaign, gz_unit)
    assert len({this_year.pk, last_year.pk, other_unit.pk}) == 3
    assert Filing.objects.get(pk=this_year.pk).unit_id == gz_unit.pk
    assert (this_year.campaign_id, last_year.campaign.year) == (campaign.pk, 2023)


# --- saving a draft ----------------------------------------------------------------------------------------------

def test_save_filing_writes_the_given_fields_raises_the_version_and_derives(campaign, gz_unit, sz_unit, enterprise):
    other = service.filing_for(campaign, sz_unit)  # another draft at the same version: left alone
    filing = service.filing_for(campaign, gz_unit)
    before = timezone.now()
    saved = service.save_filing(filing, {"output_value": D("10000"), "energy_tce": D("200")}, actor=enterprise)
    stored = Filing.objects.get(pk=filing.pk)
    assert (saved.version, stored.version) == (2, 2)
    assert (stored.output_value, stored.energy_tce, stored.co2_t, stored.updated_by) == (D("10000"), D("200"), None,
                                                                                         enterprise)
    assert stored.updated_at >= before
    assert indicators_of(stored) == {ENERGY: D("20")}
    service.save_filing(saved, {"co2_t": D("500")}, actor=None)  # a second save leaves the other fields alone
    stored = Filing.objects.get(pk=filing.pk)
    assert (stored.version, stored.energy_tce, stored.co2_t, stored.updated_by) == (3, D("200"), D("500"), None)
    assert indicators_of(stored) == {ENERGY: D("20"), CO2: D("50")}
    untouched = Filing.objects.get(pk=other.pk)
    assert (untouched.version, untouched.output_value, untouched.energy_tce, untouched.updated_by) == (1, None, None,
                                                                                                       None)


def test_save_filing_with_the_version_the_form_was_opened_at(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, {"output_value": D("10000")}, actor=enterprise, expected_version=1)
    opened_at_two = Filing.objects.get(pk=filing.pk)
    service.save_filing(opened_at_two, {"output_value": D("12000")}, actor=enterprise, expected_version=2)
    assert (opened_at_two.version, Filing.objects.get(pk=filing.pk).version) == (3, 3)
    stale = Filing.objects.get(pk=filing.pk)
    with pytest.raises(service.StaleFiling) as exc:
        service.save_filing(stale, {"output_value": D("99999")}, actor=enterprise, expected_version=2)
    assert str(exc.value) == STALE
    stored = Filing.objects.get(pk=filing.pk)
    assert (stored.version, stored.output_value) == (3, D("12000"))


def test_save_filing_refuses_a_filing_submitted_meanwhile(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    Filing.objects.filter(pk=filing.pk).update(state=FilingState.SUBMITTED)  # this copy still says draft
    with pytest.raises(service.StaleFiling) as exc:
        service.save_filing(filing, {"output_value": D("5")}, actor=enterprise)
    assert str(exc.value) == STALE
    assert Filing.objects.get(pk=filing.pk).output_value is None
    assert not FilingIndicator.objects.exists()


@pytest.mark.parametrize("state", [FilingState.SUBMITTED, FilingState.ACCEPTED])
def test_save_filing_refuses_a_filing_no_longer_editable(campaign, gz_unit, enterprise, state):
    filing = service.filing_for(campaign, gz_unit)
    Filing.objects.filter(pk=filing.pk).update(state=state)
    filing.refresh_from_db()
    with pytest.raises(service.FilingError) as exc:
        service.save_filing(filing, {"output_value": D("5")}, actor=enterprise)
    assert type(exc.value) is service.FilingError
    assert str(exc.value) == _("This filing is %(state)s and can no longer be changed.") % {"state": state.label}
    assert Filing.objects.get(pk=filing.pk).output_value is None


def test_save_filing_a_returned_filing_can_be_corrected(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    Filing.objects.filter(pk=filing.pk).update(state=FilingState.RETURNED)
    filing.refresh_from_db()
    service.save_filing(filing, {"output_value": D("5")}, actor=enterprise)
    assert Filing.objects.get(pk=filing.pk).output_value == D("5")


def test_save_filing_refuses_a_physical_impossibility_and_saves_nothing(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    with pytest.raises(service.FilingInvalid) as exc:
        service.save_filing(filing, {"energy_tce": D("100"), "renewable_energy_tce": D("150")}, actor=enterprise)
    assert [p.field for p in exc.value.problems] == ["renewable_energy_tce"]
    stored = Filing.objects.get(pk=filing.pk)
    assert (stored.version, stored.energy_tce) == (1, None)


# --- derived indicators and flags ----------------------------------------------------------------------------------

def test_save_filing_flags_a_jump_on_last_year_and_drops_the_flag_once_it_is_gone(campaign, gz_unit, enterprise):
    accepted_last_year(gz_unit)
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, doubled(), actor=enterprise)
    flags = flags_of(filing)
    assert set(flags) == {(ENERGY, YOY), (CO2, YOY)}
    energy = flags[(ENERGY, YOY)]
    assert (energy.value, energy.reference, energy.score, energy.verdict, energy.explanation) == (
        D("40"), D("20"), D("100"), FlagVerdict.PENDING, "")
    service.save_filing(filing, totals(), actor=enterprise)  # back to last year's values
    assert flags_of(filing) == {}


def test_save_filing_keeps_a_flag_and_its_explanation_updates_its_values_and_asks_the_city_again(
        campaign, gz_unit, enterprise):
    accepted_last_year(gz_unit)
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, doubled(), actor=enterprise)
    energy = flags_of(filing)[(ENERGY, YOY)]
    DataFlag.objects.filter(pk=energy.pk).update(explanation="新增生产线", verdict=FlagVerdict.CONFIRMED)
    # Energy still +150 % on last year; CO₂ and the renewable share back to last year's.
    service.save_filing(filing, {"energy_tce": D("500"), "renewable_energy_tce": D("50"), "co2_t": D("500")},
                        actor=enterprise)
    flags = flags_of(filing)
    assert set(flags) == {(ENERGY, YOY)}
    kept = flags[(ENERGY, YOY)]
    assert (kept.pk, kept.value, kept.reference, kept.score, kept.verdict, kept.explanation) == (
        energy.pk, D("50"), D("20"), D("150"), FlagVerdict.PENDING, "新增生产线")


def test_save_filing_rewrites_only_its_own_indicators_and_flags(campaign, gz_unit, enterprise):
    other_unit = factories.UnitFactory()
    accepted_last_year(gz_unit)
    accepted_last_year(other_unit)
    other = service.filing_for(campaign, other_unit)
    service.save_filing(other, doubled(), actor=None)
    other_flags = {f.pk for f in flags_of(other).values()}
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, totals(), actor=enterprise)
    assert {f.pk for f in flags_of(other).values()} == other_flags
    assert indicators_of(other)[ENERGY] == D("40")


def test_save_explanations_stores_new_texts_trimmed_and_keeps_the_others(campaign, gz_unit, enterprise):
    accepted_last_year(gz_unit)
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, doubled(), actor=enterprise)
    flags = flags_of(filing)
    energy, co2 = flags[(ENERGY, YOY)], flags[(CO2, YOY)]
    DataFlag.objects.filter(pk=co2.pk).update(explanation="原有说明")
    service.save_explanations(filing, {energy.pk: "  新增熔炼线  ", co2.pk: "   "})
    assert dict(DataFlag.objects.filter(filing=filing).values_list("code", "explanation")) == {
        ENERGY: "新增熔炼线", CO2: "原有说明"}
    service.save_explanations(filing, {co2.pk: "改写的说明"})
    assert dict(DataFlag.objects.filter(filing=filing).values_list("code", "explanation")) == {
        ENERGY: "新增熔炼线", CO2: "改写的说明"}


# --- submitting ----------------------------------------------------------------------------------------------------

def test_submit_filing_moves_the_draft_with_its_audit_record(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, totals(), actor=enterprise)
    before = timezone.now()
    submitted = service.submit_filing(filing, actor=enterprise)
    stored = Filing.objects.get(pk=filing.pk)
    assert (submitted.state, stored.state, submitted.version, stored.version) == (FilingState.SUBMITTED,
                                                                                  FilingState.SUBMITTED, 3, 3)
    assert stored.submitted_at >= before
    assert submitted.submitted_at == stored.submitted_at
    assert history(filing) == [("create", "", "draft", None, ""),
                               ("submit", "draft", "submitted", enterprise.username, "")]


@pytest.mark.parametrize("state", [FilingState.SUBMITTED, FilingState.ACCEPTED])
def test_submit_filing_refuses_a_filing_already_submitted(campaign, gz_unit, enterprise, state):
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, totals(), actor=enterprise)
    Filing.objects.filter(pk=filing.pk).update(state=state)
    with pytest.raises(service.FilingError) as exc:
        service.submit_filing(filing, actor=enterprise)
    assert type(exc.value) is service.FilingError
    assert str(exc.value) == _("This filing is %(state)s and cannot be submitted again.") % {"state": state.label}
    assert [a for a, *_rest in history(filing)] == ["create"]


def test_submit_filing_refuses_an_incomplete_filing_naming_each_field(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, {"months_reported": 12, "output_value": D("10000"), "energy_tce": D("200")},
                        actor=enterprise)
    with pytest.raises(service.FilingInvalid) as exc:
        service.submit_filing(filing, actor=enterprise)
    assert [p.field for p in exc.value.problems] == ["co2_t", "water_withdrawn_m3", "land_area_m2"]
    assert str(exc.value) == _("The filing has %(n)d problem(s); see the fields marked in red.") % {"n": 3}
    assert Filing.objects.get(pk=filing.pk).state == FilingState.DRAFT


def test_submit_filing_needs_every_flag_explained(campaign, gz_unit, enterprise):
    accepted_last_year(gz_unit)
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, doubled(), actor=enterprise)
    flags = flags_of(filing)
    energy, co2 = flags[(ENERGY, YOY)], flags[(CO2, YOY)]
    with pytest.raises(service.FilingInvalid) as exc:
        service.submit_filing(filing, actor=enterprise, explanations={energy.pk: "新增熔炼线", co2.pk: "  "})
    assert [p.field for p in exc.value.problems] == [f"flag-{co2.pk}"]
    stored = Filing.objects.get(pk=filing.pk)
    assert (stored.state, stored.version) == (FilingState.DRAFT, 2)
    assert set(DataFlag.objects.filter(filing=filing).values_list("explanation", flat=True)) == {""}  # kept nothing
    service.submit_filing(filing, actor=enterprise, explanations={energy.pk: "新增熔炼线", co2.pk: " 产品结构调整 "})
    assert dict(DataFlag.objects.filter(filing=filing).values_list("code", "explanation")) == {
        ENERGY: "新增熔炼线", CO2: "产品结构调整"}
    assert Filing.objects.get(pk=filing.pk).state == FilingState.SUBMITTED


def test_submit_filing_without_explanations_refuses_an_unexplained_flag(campaign, gz_unit, enterprise):
    accepted_last_year(gz_unit, energy="200", co2="1000")  # only the energy intensity jumps
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, {**totals(), "energy_tce": D("400"), "co2_t": D("1000")}, actor=enterprise)
    [flag] = flags_of(filing).values()
    with pytest.raises(service.FilingInvalid) as exc:
        service.submit_filing(filing, actor=enterprise)
    assert [p.field for p in exc.value.problems] == [f"flag-{flag.pk}"]


def returned(campaign, unit, enterprise, reviewer) -> Filing:
    filing = service.filing_for(campaign, unit)
    service.save_filing(filing, totals(), actor=enterprise)
    service.submit_filing(filing, actor=enterprise)
    return review_services.return_filing(Filing.objects.get(pk=filing.pk), "请核实能耗", actor=reviewer)


def test_submit_filing_a_returned_filing_unchanged_and_unanswered_is_refused(campaign, gz_unit, enterprise,
                                                                             gz_reviewer):
    filing = returned(campaign, gz_unit, enterprise, gz_reviewer)
    with pytest.raises(service.FilingInvalid) as exc:
        service.submit_filing(filing, actor=enterprise)
    assert [(p.field, p.message) for p in exc.value.problems] == [("return_answer", _(
        "Nothing was changed since the city returned the filing: correct it, or answer the city's reason in "
        "“Answer to the city's return” (in words or with files)."))]
    assert Filing.objects.get(pk=filing.pk).state == FilingState.RETURNED


def test_submit_filing_the_answer_to_a_return_goes_into_the_audit_record(campaign, gz_unit, enterprise, gz_reviewer):
    filing = returned(campaign, gz_unit, enterprise, gz_reviewer)
    Filing.objects.filter(pk=filing.pk).update(return_answer="  能耗数据已核实无误  ")
    service.submit_filing(filing, actor=enterprise)
    assert history(filing)[-1] == ("submit", "returned", "submitted", enterprise.username,
                                   _("Answer to the return: %(answer)s") % {"answer": "能耗数据已核实无误"})


def test_submit_filing_a_corrected_return_without_answer_has_no_comment(campaign, gz_unit, enterprise, gz_reviewer):
    filing = returned(campaign, gz_unit, enterprise, gz_reviewer)
    service.save_filing(Filing.objects.get(pk=filing.pk), {"energy_tce": D("210")}, actor=enterprise)
    service.submit_filing(filing, actor=enterprise)
    assert history(filing)[-1] == ("submit", "returned", "submitted", enterprise.username, "")


def test_submit_filing_an_answer_left_on_a_draft_is_not_a_return_answer(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, totals(), actor=enterprise)
    Filing.objects.filter(pk=filing.pk).update(return_answer="旧的回复")
    service.submit_filing(filing, actor=enterprise)
    assert history(filing)[-1] == ("submit", "draft", "submitted", enterprise.username, "")


# --- the two years before the portal -------------------------------------------------------------------------------

def prior_values(unit) -> dict:
    return {(p.year, p.code): (p.value, p.entered_by) for p in PriorYearValue.objects.filter(unit=unit)}


def test_save_prior_values_stores_the_two_years_before_the_data_year(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)  # the 2024 campaign collects 2023 data
    stored = service.save_prior_values(filing, {2021: {ENERGY: D("21.1234567")}, 2022: {ENERGY: D("0"), CO2: 52}},
                                       actor=enterprise)
    assert stored == 3
    assert prior_values(gz_unit) == {(2021, ENERGY): (D("21.123457"), enterprise), (2022, ENERGY): (D("0"), enterprise),
                                     (2022, CO2): (D("52"), enterprise)}


@pytest.mark.parametrize("year", [2020, 2023, 2024])
def test_save_prior_values_refuses_any_other_year(campaign, gz_unit, enterprise, year):
    filing = service.filing_for(campaign, gz_unit)
    with pytest.raises(service.FilingError) as exc:
        service.save_prior_values(filing, {2022: {ENERGY: D("1")}, year: {ENERGY: D("1")}}, actor=enterprise)
    assert str(exc.value) == _("Only the two years before %(year)d can be entered.") % {"year": 2023}
    assert prior_values(gz_unit) == {}


def test_save_prior_values_refuses_what_is_not_a_key_indicator_of_the_unit(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    with pytest.raises(service.FilingError) as exc:
        service.save_prior_values(filing, {2022: {ENERGY: D("1"), "energy_per_product": D("1")}}, actor=enterprise)
    assert str(exc.value) == _("Not a key indicator of this unit: %(codes)s.") % {"codes": "energy_per_product"}
    with pytest.raises(service.FilingError):
        service.save_prior_values(filing, {2022: {"park_energy_per_value_added": D("1")}}, actor=enterprise)
    assert prior_values(gz_unit) == {}


def test_save_prior_values_refuses_a_negative_value(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    with pytest.raises(service.FilingError) as exc:
        service.save_prior_values(filing, {2022: {ENERGY: D("1"), CO2: D("-0.000001")}}, actor=enterprise)
    assert str(exc.value) == _("%(name)s (%(year)d): values cannot be negative.") % {
        "name": BY_CODE[CO2].label, "year": 2022}
    assert prior_values(gz_unit) == {}


def test_save_prior_values_updates_and_removes_and_counts_only_what_it_stored(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    service.save_prior_values(filing, {2021: {ENERGY: D("21"), CO2: D("51")}, 2022: {ENERGY: D("22")}}, actor=None)
    stored = service.save_prior_values(filing, {2021: {ENERGY: None, CO2: D("50")}, 2022: {ENERGY: None, CO2: D("49")}},
                                       actor=enterprise)
    assert stored == 2
    assert prior_values(gz_unit) == {(2021, CO2): (D("50"), enterprise), (2022, CO2): (D("49"), enterprise)}


def test_save_prior_values_none_removes_only_that_units_value_of_that_year_and_code(campaign, gz_unit, sz_unit,
                                                                                    enterprise):
    filing = service.filing_for(campaign, gz_unit)
    both_years = {2021: {ENERGY: D("21"), CO2: D("51")}, 2022: {ENERGY: D("22"), CO2: D("52")}}
    service.save_prior_values(filing, both_years, actor=None)
    service.save_prior_values(service.filing_for(campaign, sz_unit), {2021: {ENERGY: D("31")}}, actor=None)
    assert service.save_prior_values(filing, {2021: {ENERGY: None}}, actor=enterprise) == 0
    assert prior_values(gz_unit) == {(2021, CO2): (D("51"), None), (2022, ENERGY): (D("22"), None),
                                     (2022, CO2): (D("52"), None)}
    assert prior_values(sz_unit) == {(2021, ENERGY): (D("31"), None)}


def test_save_prior_values_refused_once_the_filing_was_submitted(campaign, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, totals(), actor=enterprise)
    service.submit_filing(filing, actor=enterprise)
    with pytest.raises(service.FilingError):
        service.save_prior_values(Filing.objects.get(pk=filing.pk), {2022: {ENERGY: D("1")}}, actor=enterprise)
    assert prior_values(gz_unit) == {}


# --- a city's bulk upload ------------------------------------------------------------------------------------------

def rows(units, data=None, explanation="", first_row=3) -> list[BulkRow]:
    return [BulkRow(first_row + i, "绿色工厂", unit, dict(totals() if data is None else data), explanation)
            for i, unit in enumerate(units)]


def label(name: str) -> str:
    return f"绿色工厂 · {Filing._meta.get_field(name).verbose_name}"


def test_apply_bulk_saves_new_drafts_audited_as_created_then_uploaded(campaign, gz_reviewer):
    units = factories.UnitFactory.create_batch(2)
    before = timezone.now()
    assert service.apply_bulk(campaign, rows(units), actor=gz_reviewer, submit=False) == []
    for unit in units:
        filing = Filing.objects.get(campaign=campaign, unit=unit)
        assert (filing.state, filing.version, filing.updated_by, filing.energy_tce) == (FilingState.DRAFT, 1,
                                                                                        gz_reviewer, D("200"))
        assert filing.updated_at >= before
        assert indicators_of(filing)[ENERGY] == D("20")
        assert history(filing) == [("create", "", "draft", "gz", ""), ("upload", "draft", "draft", "gz", "")]


def test_apply_bulk_updates_an_existing_draft_and_raises_its_version(campaign, gz_reviewer, gz_unit, enterprise):
    filing = service.filing_for(campaign, gz_unit)
    service.save_filing(filing, {"output_value": D("5"), "product_name": "旧产品"}, actor=enterprise)
    data = {"energy_tce": D("200"), "output_value": D("10000")}
    assert service.apply_bulk(campaign, rows([gz_unit], data), actor=gz_reviewer, submit=False) == []
    stored = Filing.objects.get(pk=filing.pk)
    assert (stored.version, stored.output_value, stored.energy_tce, stored.product_name, stored.updated_by) == (
        3, D("10000"), D("200"), "旧产品", gz_reviewer)
    assert indicators_of(stored) == {ENERGY: D("20")}
    assert history(filing)[-1] == ("upload", "draft", "draft", "gz", "")
    assert Filing.objects.count() == 1


def test_apply_bulk_ignores_last_years_filing_of_the_unit(campaign, gz_reviewer, gz_unit):
    previous = service.filing_for(make_campaign(2023), gz_unit)
    Filing.objects.filter(pk=previous.pk).update(state=FilingState.ACCEPTED)
    assert service.apply_bulk(campaign, rows([gz_unit]), actor=gz_reviewer, submit=False) == []
    assert Filing.objects.get(campaign=campaign, unit=gz_unit).state == FilingState.DRAFT
    assert Filing.objects.get(pk=previous.pk).energy_tce is None


def test_apply_bulk_a_filing_no_longer_editable_is_one_problem_and_nothing_is_saved(campaign, gz_reviewer):
    draft_unit, submitted_unit, other = factories.UnitFactory.create_batch(3)
    Filing.objects.filter(pk=service.filing_for(campaign, submitted_unit).pk).update(state=FilingState.SUBMITTED)
    bad = {**totals(), "renewable_energy_tce": D("300")}  # physically impossible: not checked once refused
    problems = service.apply_bulk(campaign, [*rows([draft_unit]), *rows([submitted_unit], bad, first_row=4),
                                             *rows([other], bad, first_row=5)], actor=gz_reviewer, submit=False)
    message = _("This filing is %(state)s and can no longer be changed.") % {"state": FilingState.SUBMITTED.label}
    assert [p[:2] for p in problems] == [(4, "绿色工厂 · 统一社会信用代码"), (5, label("renewable_energy_tce"))]
    assert problems[0][2] == message
    impossible = checks.physical(Filing(campaign=campaign, unit=other, **bad))
    assert problems[1][2] == str(impossible[0].message)
    assert Filing.objects.count() == 1
    assert not Filing.objects.filter(unit__in=[draft_unit, other]).exists()


def test_apply_bulk_a_draft_upload_checks_only_what_is_physically_impossible(campaign, gz_reviewer):
    good, bad = factories.UnitFactory.create_batch(2)
    incomplete = {"output_value": D("10000"), "energy_tce": D("200")}
    impossible = {**incomplete, "renewable_energy_tce": D("300")}
    problems = service.apply_bulk(campaign, [*rows([good], incomplete), *rows([bad], impossible, first_row=9)],
                                  actor=gz_reviewer, submit=False)
    assert [(row, column) for row, column, _message in problems] == [(9, label("renewable_energy_tce"))]
    assert not Filing.objects.exists()
    assert service.apply_bulk(campaign, rows([good], incomplete), actor=gz_reviewer, submit=False) == []
    assert Filing.objects.get(unit=good).state == FilingState.DRAFT


def test_apply_bulk_a_submission_must_be_complete_row_by_row(campaign, gz_reviewer):
    complete, incomplete = factories.UnitFactory.create_batch(2)
    partial = {"months_reported": 12, "output_value": D("10000"), "energy_tce": D("200")}
    problems = service.apply_bulk(campaign, [*rows([complete]), *rows([incomplete], partial, first_row=7)],
                                  actor=gz_reviewer, submit=True)
    assert [(row, column) for row, column, _message in problems] == [
        (7, label("co2_t")), (7, label("water_withdrawn_m3")), (7, label("land_area_m2"))]
    assert not Filing.objects.exists()
    assert not Transition.objects.exists()


def test_apply_bulk_submits_each_filing_with_its_audit_records(campaign, gz_reviewer, gz_unit, enterprise):
    existing = service.filing_for(campaign, gz_unit)
    service.save_filing(existing, {"output_value": D("5")}, actor=enterprise)
    new_unit = factories.UnitFactory()
    before = timezone.now()
    assert service.apply_bulk(campaign, rows([gz_unit, new_unit]), actor=gz_reviewer, submit=True) == []
    old, new = Filing.objects.get(pk=existing.pk), Filing.objects.get(unit=new_unit)
    assert (old.state, old.version, new.state, new.version) == (FilingState.SUBMITTED, 4, FilingState.SUBMITTED, 2)
    assert old.submitted_at >= before and new.submitted_at == old.submitted_at
    assert history(old)[-1] == ("submit", "draft", "submitted", "gz", "")
    assert history(new) == [("create", "", "draft", "gz", ""), ("submit", "draft", "submitted", "gz", "")]


def test_apply_bulk_an_unexplained_flag_refuses_the_whole_submission(campaign, gz_reviewer, gz_unit):
    other = factories.UnitFactory()
    accepted_last_year(gz_unit)
    problems = service.apply_bulk(campaign, [*rows([other]), *rows([gz_unit], doubled(), first_row=8)],
                                  actor=gz_reviewer, submit=True)
    message = _("Explain this value before submitting.")
    assert problems == [(8, "绿色工厂 · 异常说明", message), (8, "绿色工厂 · 异常说明", message)]
    assert not Filing.objects.filter(campaign=campaign).exists()
    assert not DataFlag.objects.exists()
    assert not Transition.objects.filter(action__in=["upload", "submit"]).exists()


def test_apply_bulk_the_rows_explanation_explains_every_flag_of_its_filing(campaign, gz_reviewer, gz_unit):
    other = factories.UnitFactory()
    accepted_last_year(gz_unit)
    accepted_last_year(other)
    upload = [*rows([gz_unit], doubled(), explanation="  新增熔炼生产线  "), *rows([other], doubled(), first_row=4)]
    problems = service.apply_bulk(campaign, upload, actor=gz_reviewer, submit=False)
    assert problems == []
    explained = Filing.objects.get(campaign=campaign, unit=gz_unit)
    assert sorted(DataFlag.objects.filter(filing=explained).values_list("code", "explanation")) == [
        (CO2, "新增熔炼生产线"), (ENERGY, "新增熔炼生产线")]
    unexplained = Filing.objects.get(campaign=campaign, unit=other)
    assert sorted(DataFlag.objects.filter(filing=unexplained).values_list("code", "explanation")) == [
        (CO2, ""), (ENERGY, "")]


def test_apply_bulk_a_submission_with_explained_flags_goes_through(campaign, gz_reviewer, gz_unit):
    accepted_last_year(gz_unit)
    assert service.apply_bulk(campaign, rows([gz_unit], doubled(), explanation="新增熔炼生产线"), actor=gz_reviewer,
                              submit=True) == []
    filing = Filing.objects.get(campaign=campaign, unit=gz_unit)
    assert filing.state == FilingState.SUBMITTED
    assert set(DataFlag.objects.filter(filing=filing).values_list("explanation", flat=True)) == {"新增熔炼生产线"}
