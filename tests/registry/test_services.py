"""The registry service owns every change of a unit, whatever its path (finding 2, and the removal chain)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from greencode.enums import CodeState
from greencode.models import GreenCode
from registry import rules, services
from registry.enums import HistorySource, UnitStatus
from registry.importer import import_units
from registry.models import Unit, UnitHistory
from reviews.enums import MiitOutcome, Outcome, ProposalState, RemoveReason
from reviews.models import AdjustmentProposal
from reviews.services import incidents
from reviews.services import province as province_services
from tests import factories
from tests.conftest import login
from tests.registry.test_import import row
from tests.registry.xlsx_files import upload
from tests.reviews.review_helpers import open_campaign

pytestmark = pytest.mark.django_db


def live_code(unit, year=None) -> GreenCode:
    """A live code, as the codes service would leave it (its scoring is tested in tests/greencode)."""
    year = year or timezone.localdate().year
    return GreenCode.objects.create(unit=unit, year=year, number=f"GD-{year}-N{unit.pk:07d}", grade="A",
                                    state=CodeState.ISSUED, issued_at=timezone.now(),
                                    valid_until=timezone.localdate() + dt.timedelta(days=100))


def assert_revoked(code, reason_part):
    code.refresh_from_db()
    assert code.state == CodeState.REVOKED
    assert reason_part in code.revoked_reason
    assert code.events.filter(action="revoke").count() == 1


# --- every removal path ends with the code revoked -----------------------------------------------------------

def test_services_removal_by_miit_decision_revokes_the_code(gz_unit, province):
    code = live_code(gz_unit)
    campaign = open_campaign()
    proposal = AdjustmentProposal.objects.create(campaign=campaign, unit=gz_unit, outcome=Outcome.REMOVE,
                                                 remove_reason=RemoveReason.OTHER, state=ProposalState.APPROVED)
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=timezone.localdate(),
                                           actor=province, document="工信厅节函〔2024〕1号")
    assert_revoked(code, "移出")


def test_services_removal_by_import_revokes_the_code(gz_unit, province):
    code = live_code(gz_unit)
    report = import_units(upload([row(gz_unit.credit_code, gz_unit.name, 状态="已移出", 状态原因="2024年度移出")]),
                          actor=province)
    assert report.ok, report.errors
    assert Unit.objects.get(pk=gz_unit.pk).status == UnitStatus.REMOVED
    assert_revoked(code, "移出")


def test_services_removal_by_incident_revokes_the_code(gz_unit, gz_reviewer):
    code = live_code(gz_unit)
    incidents.report_incident(gz_unit, kind="quality", occurred_on=timezone.localdate(), description="召回",
                              actor=gz_reviewer, campaign=open_campaign())
    assert_revoked(code, "事故")


def test_services_admin_cannot_remove_or_delete_a_unit(admin_client, gz_unit):
    code = live_code(gz_unit)
    url = reverse("admin:registry_unit_change", args=[gz_unit.pk])
    page = admin_client.get(url)
    assert "status" not in page.context["adminform"].form.fields
    assert admin_client.get(reverse("admin:registry_unit_delete", args=[gz_unit.pk])).status_code == 403
    assert GreenCode.objects.get(pk=code.pk).state == CodeState.ISSUED


def test_services_admin_change_goes_through_the_service_with_history(admin_client, admin_user, gz_unit):
    url = reverse("admin:registry_unit_change", args=[gz_unit.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields}
    # The batch and the year follow the list: all three change together.
    seventh = factories.published_list("第七批")
    data.update({"contact_name": "王工", "contact_phone": "020-1234", "batch": 7, "year_listed": 2022,
                 "listed_in": seventh.pk, "industry": gz_unit.industry_id,
                 "city": gz_unit.city_id, "history-TOTAL_FORMS": 0, "history-INITIAL_FORMS": 0,
                 "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0})
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entries = {e.field: (e.old_value, e.new_value, e.actor_id) for e in UnitHistory.objects.filter(unit=gz_unit)}
    assert entries == {"contact_name": ("", "王工", admin_user.pk), "contact_phone": ("", "020-1234", admin_user.pk),
                       "batch": ("8", "7", admin_user.pk), "year_listed": ("2023", "2022", admin_user.pk),
                       "listed_in": ("第八批", "第七批", admin_user.pk)}


def test_services_removal_and_revocation_commit_or_roll_back_together(gz_unit):
    code = live_code(gz_unit)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.remove_unit(gz_unit, actor=None, reason="测试", source=HistorySource.MANUAL)
        assert GreenCode.objects.get(pk=code.pk).state == CodeState.REVOKED  # inside: already revoked
        raise RuntimeError("the caller's transaction fails later")
    assert Unit.objects.get(pk=gz_unit.pk).status == UnitStatus.LISTED
    assert GreenCode.objects.get(pk=code.pk).state == CodeState.ISSUED


def test_services_removal_writes_history_and_relisting_is_a_move(gz_unit):
    services.remove_unit(gz_unit, actor=None, reason="测试移出", source=HistorySource.MANUAL)
    services.update_unit(gz_unit, actor=None, reason="误移出，恢复", status=UnitStatus.LISTED)
    assert list(UnitHistory.objects.filter(unit=gz_unit, field="status").order_by("at", "id")
                .values_list("old_value", "new_value")) == [("listed", "removed"), ("removed", "listed")]


# --- the import keeps what a blank optional cell does not say -----------------------------------------------

def test_services_import_blank_optional_cells_keep_stored_values(gz_unit, province):
    Unit.objects.filter(pk=gz_unit.pk).update(contact_name="李四", contact_phone="13800000000")
    report = import_units(upload([row(gz_unit.credit_code, gz_unit.name, 批次=None)]), actor=province)
    assert report.ok, report.errors
    unit = Unit.objects.get(pk=gz_unit.pk)
    assert (unit.contact_name, unit.contact_phone, unit.batch) == ("李四", "13800000000", 8)
    assert report.unchanged == 1


def test_services_import_clear_word_clears_an_optional_value(gz_unit, province):
    Unit.objects.filter(pk=gz_unit.pk).update(contact_name="李四", contact_phone="13800000000")
    report = import_units(upload([row(gz_unit.credit_code, gz_unit.name, 联系人="清空")]), actor=province)
    assert report.ok, report.errors
    unit = Unit.objects.get(pk=gz_unit.pk)
    assert (unit.contact_name, unit.contact_phone) == ("", "13800000000")
    entry = UnitHistory.objects.get(unit=gz_unit, field="contact_name")
    assert (entry.old_value, entry.new_value, entry.source) == ("李四", "", HistorySource.IMPORT)


def test_services_import_blank_status_keeps_a_removed_unit_removed(gz_unit, province):
    services.remove_unit(gz_unit, actor=None, reason="2023年度移出", source=HistorySource.MIIT_DECISION)
    report = import_units(upload([row(gz_unit.credit_code, gz_unit.name)]), actor=province)
    assert report.ok, report.errors
    assert Unit.objects.get(pk=gz_unit.pk).status == UnitStatus.REMOVED


# --- names are one line --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["甲工厂\n有限公司", "甲工厂\t有限公司", "甲工厂\r有限公司", "甲工厂\u2028有限公司"])
def test_services_unit_name_refuses_control_characters(gz_unit, name):
    with pytest.raises(ValidationError):
        services.rename_unit(gz_unit, name, actor=None, reason="改名", source=HistorySource.MANUAL)
    assert Unit.objects.get(pk=gz_unit.pk).name != name


def test_services_import_names_the_row_with_a_control_character(province):
    report = import_units(upload([row(factories.valid_code(), "换行\n工厂有限公司")]), actor=province)
    assert [(e.row, e.column) for e in report.errors] == [(2, "单位名称")]
    assert not Unit.objects.filter(name__startswith="换行").exists()


# --- the edit form's rule -----------------------------------------------------------------------------------

def test_services_edit_unit_city_may_change_contact_not_level(gz_unit, gz_reviewer):
    services.edit_unit(gz_unit, {"contact_name": "赵六"}, actor=gz_reviewer, reason="联系人变更")
    with pytest.raises(PermissionDenied, match="level"):
        services.edit_unit(gz_unit, {"level": "provincial"}, actor=gz_reviewer, reason="改级别")
    assert Unit.objects.get(pk=gz_unit.pk).level == "national"


def test_services_edit_unit_other_city_is_denied_with_the_reason(gz_unit, sz_reviewer):
    with pytest.raises(PermissionDenied) as denied:
        services.edit_unit(gz_unit, {"contact_name": "x"}, actor=sz_reviewer, reason="r")
    assert str(denied.value) == rules.can_edit_unit(sz_reviewer, gz_unit).reason
    assert Unit.objects.get(pk=gz_unit.pk).contact_name == ""


def test_services_denial_reason_is_shown_on_the_403_page(client, gz_unit):
    enterprise = factories.enterprise_user(gz_unit)  # sees its own unit, may not edit it
    login(client, enterprise)
    response = client.get(reverse("registry:unit_edit", args=[gz_unit.pk]))
    assert response.status_code == 403
    assert response.context["reason"] == rules.can_edit_unit(enterprise, gz_unit).reason
    assert escape(response.context["reason"]) in response.content.decode()
