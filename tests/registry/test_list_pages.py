"""The pages of issue 10: the province's import of MIIT's lists, enterprises, districts, statistics by district
and the export of the filtered list."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registry.enums import Level, UnitKind
from registry.models import District, ListImport, Unit
from tests import factories
from tests.conftest import login
from tests.registry.miit_files import miit_upload

pytestmark = pytest.mark.django_db

ROWS = [
    [1, "北京", "北京某汽车有限公司", "汽车制造业", "中国质量认证中心"],
    [2, "广东", "TCL 空调器(中山)有限公司", "电气机械和器材制造业", "广东省节能中心"],
    [3, None, "雪花酿酒有限公司佛山分公司", "酒、饮料和精制茶制造业", "广东省节能中心"],
    [4, "深圳", "深圳市绿能科技有限公司", "计算机、通信和其他电子设备制造业", "深圳市节能中心"],
]


def upload(client, rows=ROWS, **extra):
    data = {"file": miit_upload(rows), "kind": UnitKind.FACTORY, "list_name": "2024年度", "purpose": "listing",
            "notice": "工信厅节函〔2025〕12号", "published_on": "2025-01-20", **extra}
    return client.post(reverse("registry:list_imports"), data)


def test_list_import_page_flow_decide_then_apply(client, province):
    tcl = factories.UnitFactory(name="TCL空调器（中山）有限公司", city=factories.city("中山市"))
    login(client, province)
    response = upload(client)
    list_import = ListImport.objects.get()
    assert response["Location"] == reverse("registry:list_import", args=[list_import.pk])
    page = client.get(response["Location"])
    assert page.context["summary"] == {"rows": 3, "matched": 1, "new": 1, "ambiguous": 0, "needs_city": 1}
    body = page.content.decode()
    assert "北京某汽车有限公司" not in body and tcl.name in body

    # Applying with a row open saves nothing and says why.
    response = client.post(response["Location"], {"action": "apply"})
    assert response.status_code == 400
    assert Unit.objects.count() == 1

    foshan = factories.city("佛山市")
    response = client.post(reverse("registry:list_import", args=[list_import.pk]),
                           {"action": "apply", "row-5-city": foshan.pk,
                            "row-5-district": factories.district("南海区").pk})
    assert response.status_code == 302
    list_import.refresh_from_db()
    assert list_import.applied_by == province
    assert list_import.decisions == {"5": {"city": str(foshan.pk), "district": str(factories.district("南海区").pk)}}
    branch = Unit.objects.get(name="雪花酿酒有限公司佛山分公司")
    assert (branch.city, branch.district.name, branch.listed_in.notice) == (foshan, "南海区", "工信厅节函〔2025〕12号")
    assert Unit.objects.get(name="深圳市绿能科技有限公司").city.name == "深圳市"
    # An applied import is a record: it can be read, not applied again.
    assert client.get(reverse("registry:list_import", args=[list_import.pk])).status_code == 200
    client.post(reverse("registry:list_import", args=[list_import.pk]), {"action": "apply"})
    assert Unit.objects.count() == 3


def test_list_import_page_refuses_a_bad_list_name_and_file(client, province):
    login(client, province)
    response = upload(client, list_name="第九批")
    assert response.status_code == 400
    assert "list_name" in response.context["form"].errors
    response = upload(client, rows=[[1, "湖南", "湖南某公司", "电子", "x"]])
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert ListImport.objects.count() == 0


@pytest.mark.parametrize("n", [1, 3])
def test_list_import_page_queries_do_not_grow_with_rows(client, province, django_assert_num_queries, n):
    units = factories.UnitFactory.create_batch(n)
    rows = [[i, "广东", u.name, "电子", "x"] for i, u in enumerate(units)]
    rows += [[9, None, f"广州新公司{i}有限公司", "电子", "x"] for i in range(n)]
    login(client, province)
    list_import = ListImport.objects.get(pk=upload(client, rows=rows)["Location"].rstrip("/").split("/")[-1])
    # A constant: the session and the roles, the import, the registry read once, the choices of the decisions.
    with django_assert_num_queries(14):
        response = client.get(reverse("registry:list_import", args=[list_import.pk]))
    assert response.context["summary"]["matched"] == n


def test_enterprise_page_lists_its_listings_and_code_form(client, province):
    factory = factories.UnitFactory(name="日立电梯（中国）有限公司")
    chain = factories.UnitFactory(name=factory.name, kind=UnitKind.SUPPLY_CHAIN, credit_code=factory.credit_code,
                                  enterprise=factory.enterprise)
    login(client, province)
    body = client.get(reverse("registry:enterprise_detail", args=[factory.enterprise_id])).content.decode()
    assert body.count(factory.name) >= 3
    detail = client.get(reverse("registry:unit_detail", args=[factory.pk]))
    assert list(detail.context["siblings"]) == [chain]
    url = reverse("registry:enterprise_code", args=[factory.enterprise_id])
    response = client.post(url, {"credit_code": "91440101MA5******X", "reason": "公告"})
    assert response.status_code == 400
    assert response.context["form"].errors["credit_code"]
    typo = factory.credit_code[:-1] + ("0" if factory.credit_code[-1] != "0" else "1")
    assert client.post(url, {"credit_code": typo, "reason": "x"}).status_code == 400
    response = client.post(url, {"credit_code": typo, "reason": "2015年颁发，核实有效", "accept_failed_check": "on"})
    assert response.status_code == 302
    chain.refresh_from_db()
    assert chain.credit_code == typo


def test_districts_page_city_adds_its_review_area(client, gz_reviewer):
    login(client, gz_reviewer)
    page = client.get(reverse("registry:districts"))
    assert [c.name for c in page.context["cities"]] == ["广州市"]
    assert "天河区" in page.content.decode()
    response = client.post(reverse("registry:districts"), {"city": factories.city("广州市").pk, "name": "广州开发区"})
    assert response.status_code == 302
    assert District.objects.get(name="广州开发区").kind == "review_area"
    # Another city is not among the choices.
    response = client.post(reverse("registry:districts"), {"city": factories.city("中山市").pk, "name": "火炬开发区"})
    assert response.status_code == 400
    assert not District.objects.filter(name="火炬开发区").exists()


def test_district_stats_page_and_xlsx_add_up_to_the_city(client, gz_reviewer):
    factories.UnitFactory(district=factories.district("天河区"))
    factories.UnitFactory(district=factories.district("天河区"), kind=UnitKind.SUPPLY_CHAIN)
    factories.UnitFactory()
    factories.UnitFactory(level=Level.PROVINCIAL, district=factories.district("黄埔区"))
    login(client, gz_reviewer)
    gz = factories.city("广州市")
    response = client.get(reverse("registry:district_stats"), {"city": gz.pk})
    rows = {r.city: (r.factories, r.supply_chain, r.parks) for r in response.context["stats"].rows}
    assert rows["天河区"] == (1, 1, 0)
    assert rows["黄埔区"] == (0, 0, 0)  # national only by default
    assert rows["尚未划分区县" if "尚未划分区县" in rows else "No district yet"] == (1, 0, 0)
    assert response.context["stats"].total.factories == 2
    assert client.get(reverse("registry:district_stats"), {"city": gz.pk, "level": "all"}).context[
        "stats"].total.factories == 3
    assert client.get(reverse("registry:district_stats"), {"city": factories.city("深圳市").pk}).status_code == 404
    response = client.get(reverse("registry:district_stats_xlsx"), {"city": gz.pk})
    values = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert values[-1] == ("合计", None, 2, 1, 0)


def test_stats_by_list_counts_only_that_lists_units(client, province):
    factories.UnitFactory(batch=8, year_listed=2023)
    factories.UnitFactory(batch=7, year_listed=2022)
    login(client, province)
    eighth = factories.published_list("第八批")
    response = client.get(reverse("registry:city_stats"), {"list": eighth.pk})
    assert response.context["stats"].total.factories == 1
    assert client.get(reverse("registry:city_stats")).context["stats"].total.factories == 2
    assert client.get(reverse("registry:city_stats"), {"list": "x"}).status_code == 404


def test_unit_list_export_is_the_filtered_list_with_district_and_list(client, gz_reviewer):
    tianhe = factories.UnitFactory(name="天河导出工厂", district=factories.district("天河区"))
    factories.UnitFactory(name="黄埔导出工厂", district=factories.district("黄埔区"))
    factories.UnitFactory(name="深圳导出工厂", city=factories.city("深圳市"))
    login(client, gz_reviewer)
    response = client.get(reverse("registry:unit_list_xlsx"), {"district": tianhe.district_id})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][0] == "筛选：区县=天河区"
    assert rows[1][:6] == ("序号", "单位名称", "统一社会信用代码", "法人单位", "城市", "区县")
    assert rows[1][12] == "状态"
    assert [(r[1], r[5], r[8], r[12]) for r in rows[2:]] == [("天河导出工厂", "天河区", "第八批", "已列入")]
    response = client.get(reverse("registry:unit_list_xlsx"))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][0] == "筛选：无（全部）"
    assert sorted(r[1] for r in rows[2:]) == ["天河导出工厂", "黄埔导出工厂"]


def test_unit_list_export_names_every_filter_and_the_sort(client, gz_reviewer):
    factories.UnitFactory(name="导出工厂甲")
    login(client, gz_reviewer)
    response = client.get(reverse("registry:unit_list_xlsx"), {"q": "导出", "kind": "factory", "status": "listed",
                                                               "sort": "-name"})
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    assert rows[0][0] == "筛选：名称或信用代码=导出；类型=绿色工厂；状态=已列入；排序=名称（降序）"


@pytest.mark.parametrize("odd", ["²", "٣", "-1", "99999999999999999999", "🙂"])
def test_list_pages_odd_numbers_are_ignored_or_404_never_500(client, province, odd):
    login(client, province)
    url = upload(client)["Location"]
    row = ListImport.objects.get().rows[0]["row"]
    response = client.post(url, {"action": "save", f"row-{row}-unit": odd, f"row-{row}-city": odd,
                                 f"row-{row}-district": odd, f"row-{row}-industry": odd})
    assert response.status_code == 302
    assert client.get(url).status_code == 200
    assert client.get(reverse("registry:city_stats"), {"list": odd}).status_code == 404
    assert client.get(reverse("registry:district_stats"), {"city": odd}).status_code == 404
    assert client.get(reverse("registry:districts"), {"city": odd}).status_code == 200
