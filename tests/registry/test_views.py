
import pytest
from django.urls import reverse
from django.utils import translation

from registry.enums import UnitStatus
from registry.models import UnitHistory
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _list_queries(client, django_assert_num_queries, n_expected_rows, url):
    with django_assert_num_queries(QUERIES[url]) as ctx:
        response = client.get(reverse(url))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == n_expected_rows
    return ctx


# session, user, memberships, count, page rows, filter choices (cities, districts, lists, industries)
QUERIES = {"registry:unit_list": 9, "registry:public_lookup": 4}


@pytest.mark.parametrize("n", [1, 50])
def test_unit_list_runs_the_same_queries_at_1_and_50_units(client, province, django_assert_num_queries, n):
    factories.UnitFactory.create_batch(n)
    login(client, province)
    _list_queries(client, django_assert_num_queries, n, "registry:unit_list")


@pytest.mark.parametrize("n", [1, 50])
def test_unit_list_city_reviewer_queries_constant(client, gz_reviewer, django_assert_num_queries, n):
    factories.UnitFactory.create_batch(n)
    login(client, gz_reviewer)
    _list_queries(client, django_assert_num_queries, n, "registry:unit_list")


@pytest.mark.parametrize("n", [1, 3])
def test_public_lookup_queries_constant(client, django_assert_num_queries, n):
    factories.UnitFactory.create_batch(n)
    with django_assert_num_queries(QUERIES["registry:public_lookup"]):
        response = client.get(reverse("registry:public_lookup"))
    assert len(response.context["page"].object_list) == n


def test_unit_list_filters_sort_and_search(client, province):
    a = factories.UnitFactory(name="甲乙电子有限公司", batch=1, year_listed=2017)
    b = factories.UnitFactory(name="丙丁化工有限公司", city=factories.city("佛山市"), batch=8)
    c = factories.UnitFactory(name="甲乙食品有限公司", status=UnitStatus.REMOVED)
    login(client, province)

    def names(**params):
        response = client.get(reverse("registry:unit_list"), params)
        return [u.name for u in response.context["page"].object_list]

    assert names(q="甲乙") == [a.name, c.name] or names(q="甲乙") == [c.name, a.name]
    assert names(q=b.credit_code[:10].lower()) == [b.name]
    assert names(city=b.city_id) == [b.name]
    assert names(status="removed") == [c.name]
    assert names(batch=1) == [a.name]
    assert names(sort="-batch", status="listed") == [b.name, a.name]
    # A filter value that makes no sense is ignored with a message, never a 500.
    response = client.get(reverse("registry:unit_list"), {"batch": "abc", "city": "x"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3


def test_unit_list_paginates_and_survives_bad_page_numbers(client, province):
    factories.UnitFactory.create_batch(55)
    login(client, province)
    page2 = client.get(reverse("registry:unit_list"), {"page": 2})
    assert len(page2.context["page"].object_list) == 5
    assert client.get(reverse("registry:unit_list"), {"page": "999"}).context["page"].number == 2
    assert client.get(reverse("registry:unit_list"), {"page": "abc"}).context["page"].number == 1


def test_unit_list_empty_state(client, province):
    login(client, province)
    response = client.get(reverse("registry:unit_list"), {"q": "不存在的单位"})
    assert response.status_code == 200
    assert "没有符合" in response.content.decode()


def test_unit_edit_writes_history_with_who_and_why(client, gz_reviewer, gz_unit):
    login(client, gz_reviewer)
    response = client.post(
        reverse("registry:unit_edit", args=[gz_unit.pk]),
        {"industry": 26, "contact_name": "王工", "contact_phone": "020-1234", "reason": "企业来函更正行业"},
    )
    assert response.status_code == 302
    gz_unit.refresh_from_db()
    assert gz_unit.industry.code == "26"
    entries = {e.field: e for e in UnitHistory.objects.filter(unit=gz_unit)}
    assert set(entries) == {"industry", "contact_name", "contact_phone"}
    assert entries["industry"].old_value.startswith("39 ")
    assert entries["industry"].actor == gz_reviewer
    assert entries["industry"].reason == "企业来函更正行业"
    detail = client.get(reverse("registry:unit_detail", args=[gz_unit.pk])).content.decode()
    assert "企业来函更正行业" in detail


def test_unit_edit_requires_a_reason(client, gz_reviewer, gz_unit):
    login(client, gz_reviewer)
    response = client.post(reverse("registry:unit_edit", args=[gz_unit.pk]), {"industry": 26})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    gz_unit.refresh_from_db()
    assert gz_unit.industry.code == "39"


def test_unit_edit_city_reviewer_cannot_change_level_even_by_posting_it(client, gz_reviewer, gz_unit):
    login(client, gz_reviewer)
    client.post(reverse("registry:unit_edit", args=[gz_unit.pk]),
                {"industry": 39, "level": "municipal", "reason": "试图改级别"})
    gz_unit.refresh_from_db()
    assert gz_unit.level == "national"


def test_unit_detail_shows_history_in_order(client, province, gz_unit):
    from registry.services import remove_unit

    remove_unit(gz_unit, actor=province, reason="发生重大环境污染事故", source="miit_decision")
    login(client, province)
    body = client.get(reverse("registry:unit_detail", args=[gz_unit.pk])).content.decode()
    assert "发生重大环境污染事故" in body
    assert "已移出" in body


def test_public_lookup_shows_listed_units_only_and_no_codes(client):
    listed = factories.UnitFactory(name="公开可见工厂")
    removed = factories.UnitFactory(name="已移出工厂", status=UnitStatus.REMOVED)
    body = client.get(reverse("registry:public_lookup")).content.decode()
    assert listed.name in body
    assert removed.name not in body
    assert listed.credit_code not in body
    body = client.get(reverse("registry:public_lookup"), {"q": "公开"}).content.decode()
    assert listed.name in body


def test_language_switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/list/"})
    assert response.status_code == 302
    body = client.get(reverse("registry:public_lookup")).content.decode()
    assert "Public list" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/list/"})
    body = client.get(reverse("registry:public_lookup")).content.decode()
    assert "公开名单" in body


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_language_is_chinese_even_for_an_english_browser(client):
    body = client.get(reverse("registry:public_lookup"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "公开名单" in body


def test_a_nul_character_in_a_request_is_a_clear_400_not_a_500(client, province):
    login(client, province)
    response = client.get(reverse("registry:unit_list"), {"q": "广州\x00"})
    assert response.status_code == 400
    assert "无效字符" in response.content.decode()
    response = client.get(reverse("greencode:verify_api"), {"number": "\x00"})
    assert response.status_code == 400
    assert "无效字符" in response.json()["error"]


# ---------------------------------------------------------------- every page's frame (GB/T 37668, 适老化)

def _tree(response):
    from lxml import html

    return html.fromstring(response.content.decode())


def test_every_page_has_lang_landmarks_a_skip_link_and_a_text_size_control(client, province):
    page = _tree(login(client, province).get(reverse("registry:unit_list")))
    assert page.xpath("/html/@lang") == ["zh-hans"]
    assert page.xpath("//a[contains(@class, 'skip-link')]/@href") == ["#main"]
    assert page.xpath("//main/@id") == ["main"]
    assert page.xpath("//nav[contains(@class, 'portal-nav')]/@aria-label") == ["主菜单"]
    assert len(page.xpath("//header")) == 1 and len(page.xpath("//footer")) == 1
    control = page.xpath("//*[@data-text-size-control]")[0]
    assert control.get("aria-label") == "字号"
    assert [(b.get("data-text-size"), b.text) for b in control.xpath("button")] == [("normal", "标准字"), ("large", "大字")]
    assert page.xpath("//link[@rel='icon']/@href") == ["/static/favicon.svg"]


def test_favicon_ico_is_served_not_a_404(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/favicon.ico")


def test_unit_list_rows_become_cards_on_a_phone_name_first_status_as_a_badge(client, province):
    unit = factories.UnitFactory()
    page = _tree(login(client, province).get(reverse("registry:unit_list")))
    table = page.xpath("//table[contains(@class, 'table-stack')]")[0]
    row = table.xpath("tbody/tr")[0]
    title = row.xpath("td[contains(@class, 'stack-title')]")[0]
    assert title.xpath("a/text()") == [unit.name]
    with translation.override("zh-hans"):
        status = str(unit.get_status_display())
    assert row.xpath("td[contains(@class, 'stack-state')]/span[contains(@class, 'badge')]/text()") == [status]
    # every cell names its column, so a card reads without the table head
    heads = [th.text_content().strip() for th in table.xpath("thead/tr/th")]
    assert [td.get("data-label") for td in row.xpath("td")] == heads
