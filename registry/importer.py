"""Registry import from .xlsx: idempotent by credit code, all-or-nothing, with a report of every bad cell.

A row is matched by its credit code and kind: one legal entity may hold a factory and a supply-chain listing
under one code. Where several units of one kind carry the code (a company and a plant without a code of its
own), the row's name chooses among them. A new code creates its enterprise; a known code adds a listing to it.

The column headers are the file format itself, so they stay in Chinese whatever the interface language:
a file filled in under one language imports under the other.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import services
from .creditcode import credit_code_problem, normalise
from .enums import BATCH_NAMES, BATCH_YEARS, FIRST_YEARLY_LIST, HistorySource, Level, ListPurpose, UnitKind, UnitStatus
from .models import City, Enterprise, Industry, PublishedList, Unit, name_error
from .names import name_key
from .spreadsheet_import import ImportFileError, ImportReport, RowError, iter_rows, read_sheet
from .xlsx import Sheet

COL_CODE = "统一社会信用代码"
COL_NAME = "单位名称"
COL_KIND = "类型"
COL_LEVEL = "级别"
COL_CITY = "城市"
COL_INDUSTRY = "行业代码"
COL_BATCH = "批次"
COL_YEAR = "列入年份"
COL_STATUS = "状态"
COL_REASON = "状态原因"
COL_CONTACT = "联系人"
COL_PHONE = "联系电话"

HEADERS = [COL_CODE, COL_NAME, COL_KIND, COL_LEVEL, COL_CITY, COL_INDUSTRY, COL_BATCH, COL_YEAR, COL_STATUS,
           COL_REASON, COL_CONTACT, COL_PHONE]
REQUIRED = [COL_CODE, COL_NAME, COL_KIND, COL_LEVEL, COL_CITY, COL_YEAR]

KIND_WORDS = {"绿色工厂": UnitKind.FACTORY, "绿色工业园区": UnitKind.PARK, "绿色供应链管理企业": UnitKind.SUPPLY_CHAIN}
LEVEL_WORDS = {"国家级": Level.NATIONAL, "省级": Level.PROVINCIAL, "市级": Level.MUNICIPAL}
STATUS_WORDS = {"已列入": UnitStatus.LISTED, "列入": UnitStatus.LISTED, "已移出": UnitStatus.REMOVED, "移出": UnitStatus.REMOVED}
# An optional cell left blank keeps the stored value; this word in the cell clears it.
CLEAR = "清空"
OPTIONAL = {COL_INDUSTRY: "industry", COL_BATCH: "batch", COL_STATUS: "status", COL_REASON: "status_reason",
            COL_CONTACT: "contact_name", COL_PHONE: "contact_phone"}
CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _choice(value, words: dict, choices) -> str | None:
    text = str(value).strip()
    if text in words:
        return words[text]
    if text in choices.values:
        return text
    return None


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _batch(value) -> int | None:
    n = _int(value)
    if n is not None:
        return n
    text = str(value).strip().removeprefix("第").removesuffix("批")
    return CHINESE_NUMERALS.get(text) or _int(text)


class _Lookups:
    def __init__(self):
        self.cities = {}
        for city in City.objects.all():
            for key in (city.code, city.name, city.name.removesuffix("市")):
                self.cities[key] = city
        self.industries = {i.code: i for i in Industry.objects.all()}
        self.waived_codes: set[str] = set()


def _cleared(value) -> bool:
    return value is not None and str(value).strip() == CLEAR


def _parse_row(values: dict, lookups: _Lookups, row: int, existing: Unit | None) -> tuple[dict, list[RowError]]:
    """The row's values; an optional cell left blank is absent from the result (it keeps the stored value)."""
    errors: list[RowError] = []

    def err(column, message):
        errors.append(RowError(row, column, message))

    data: dict = {}
    code = normalise(str(values.get(COL_CODE) or ""))
    if not code:
        err(COL_CODE, _("Required."))
    else:
        problem = credit_code_problem(code)
        # A code the province recorded although it fails the check character (registry.services) is accepted.
        if problem and not (problem.kind == "check" and code in lookups.waived_codes):
            err(COL_CODE, problem.message)
    data["credit_code"] = code

    name = str(values.get(COL_NAME) or "").strip()
    if not name:
        err(COL_NAME, _("Required."))
    elif len(name) > 200:
        err(COL_NAME, _("At most 200 characters."))
    elif name_error(name):
        err(COL_NAME, name_error(name))
    data["name"] = name

    kind = _choice(values.get(COL_KIND) or "", KIND_WORDS, UnitKind)
    if kind is None:
        err(COL_KIND, _("Must be one of: %(options)s.") % {"options": "、".join(KIND_WORDS)})
    data["kind"] = kind

    level = _choice(values.get(COL_LEVEL) or "", LEVEL_WORDS, Level)
    if level is None:
        err(COL_LEVEL, _("Must be one of: %(options)s.") % {"options": "、".join(LEVEL_WORDS)})
    data["level"] = level

    city_text = str(values.get(COL_CITY) or "").strip()
    city = lookups.cities.get(city_text)
    if city is None:
        err(COL_CITY, _("“%(value)s” is not a city of Guangdong; write e.g. 广州市 or 440100.") % {"value": city_text})
    data["city"] = city

    industry_raw = values.get(COL_INDUSTRY)
    if _cleared(industry_raw):
        data["industry"] = None
    elif industry_raw is not None:
        industry_code = str(_int(industry_raw) if _int(industry_raw) is not None else industry_raw).strip().upper().removeprefix("C").removeprefix("D")
        industry = lookups.industries.get(industry_code.zfill(2))
        if industry is None:
            err(COL_INDUSTRY, _("“%(value)s” is not a GB/T 4754 division code (13–46).") % {"value": industry_raw})
        data["industry"] = industry
    elif kind in (UnitKind.FACTORY, UnitKind.SUPPLY_CHAIN) and not existing:
        err(COL_INDUSTRY, _("Required for a factory or a supply-chain firm."))

    batch_raw = values.get(COL_BATCH)
    if _cleared(batch_raw):
        data["batch"] = None
    elif batch_raw is not None:
        batch = _batch(batch_raw)
        if batch not in BATCH_YEARS:
            err(COL_BATCH, _("Must be a batch number from 1 to %(max)d.") % {"max": max(BATCH_YEARS)})
            batch = None
        data["batch"] = batch

    year = _int(values.get(COL_YEAR)) if values.get(COL_YEAR) is not None else None
    this_year = timezone.localdate().year
    if year is None:
        err(COL_YEAR, _("Required: a four-digit year, e.g. 2023."))
    elif not 2016 <= year <= this_year:
        err(COL_YEAR, _("Must be a year from 2016 to %(year)d.") % {"year": this_year})
    data["year_listed"] = year

    status_raw = values.get(COL_STATUS)
    if status_raw is not None:
        status = _choice(status_raw, STATUS_WORDS, UnitStatus)
        if status is None:
            err(COL_STATUS, _("Must be 已列入 or 已移出."))
        data["status"] = status
    status = data.get("status") or (existing.status if existing else UnitStatus.LISTED)
    reason_raw = values.get(COL_REASON)
    if _cleared(reason_raw):
        data["status_reason"] = ""
    elif reason_raw is not None:
        data["status_reason"] = str(reason_raw).strip()[:500]
    becomes_removed = status == UnitStatus.REMOVED and (existing is None or existing.status != UnitStatus.REMOVED)
    if becomes_removed and not data.get("status_reason"):
        err(COL_REASON, _("Required when the status is 已移出."))
    for column, name, limit in ((COL_CONTACT, "contact_name", 50), (COL_PHONE, "contact_phone", 30)):
        raw = values.get(column)
        if _cleared(raw):
            data[name] = ""
        elif raw is not None:
            data[name] = str(raw).strip()[:limit]
    return data, errors


def import_units(fileobj, *, actor, filename: str = "", dry_run: bool = False) -> ImportReport:
    """Validate the whole file; if every row is good (and not `dry_run`), apply it in one transaction.

    Existing units (matched by credit code) are updated, with every changed field written to their history;
    new codes create units. Importing the same file twice changes nothing the second time.
    """
    report = ImportReport()
    try:
        sheet = read_sheet(fileobj, name=filename, required=REQUIRED)
        lookups = _Lookups()
        parsed: list[tuple[int, dict]] = []
        first_row_of: dict[tuple, int] = {}
        rows = list(iter_rows(sheet, HEADERS, REQUIRED))
        codes = {normalise(str(values.get(COL_CODE) or "")) for _row, values in rows}
        stored = _by_code(Unit.objects.filter(credit_code__in=codes))
        lookups.waived_codes = set(Enterprise.objects.filter(credit_code__in=codes).exclude(code_check_waiver="")
                                   .values_list("credit_code", flat=True))
        for row, values in rows:
            key = _row_key(values)
            existing, several = _find(stored, key, values.get(COL_NAME))
            data, errors = _parse_row(values, lookups, row, existing)
            if several:
                errors.append(RowError(row, COL_CODE, _(
                    "Several units of this kind carry this code (a company and its plants) and none has this name; "
                    "write the unit's name as the registry has it.")))
            # One code may appear once per kind (a factory and a supply-chain listing of one company).
            earlier = [r for (code, kind), r in first_row_of.items()
                       if code == key[0] and (kind == key[1] or None in (kind, key[1]))]
            if data["credit_code"] and earlier:
                errors.append(RowError(row, COL_CODE, _("The same code already appears in row %(row)d.") % {"row": earlier[0]}))
            elif data["credit_code"]:
                first_row_of[key] = row
            report.errors.extend(errors)
            parsed.append((row, data))
    except ImportFileError as exc:
        report.file_error = str(exc)
        return report
    report.checked = len(parsed)
    if not parsed and not report.errors:
        report.file_error = _("The file has no data rows below the header row.")
    if not report.ok or dry_run:
        return report
    _apply(parsed, report, actor)
    return report


class _Lists:
    """The published list a row's level, batch and year name: 第N批 for a national batch in its year, YYYY年度 for
    a national unit listed from 2024 on without a batch; otherwise none (provincial and municipal lists)."""

    def __init__(self):
        self.cache: dict[tuple, PublishedList | None] = {}

    def of(self, level: str, batch: int | None, year: int) -> PublishedList | None:
        key = (level, batch, year)
        if key not in self.cache:
            name = None
            if level == Level.NATIONAL and batch and BATCH_YEARS.get(batch) == year:
                name = BATCH_NAMES[batch]
            elif level == Level.NATIONAL and not batch and year >= FIRST_YEARLY_LIST:
                name = f"{year}年度"
            self.cache[key] = name and PublishedList.objects.get_or_create(
                name=name, purpose=ListPurpose.LISTING, defaults={"batch": batch or None, "year": year})[0]
        return self.cache[key]


def _row_key(values: dict) -> tuple[str, str | None]:
    return normalise(str(values.get(COL_CODE) or "")), _choice(values.get(COL_KIND) or "", KIND_WORDS, UnitKind)


def _by_code(units) -> dict[tuple[str, str], list[Unit]]:
    found: dict[tuple[str, str], list[Unit]] = {}
    for unit in units:
        found.setdefault((unit.credit_code, unit.kind), []).append(unit)
    return found


def _find(stored: dict, key: tuple, name) -> tuple[Unit | None, bool]:
    """(the unit this row updates or None, whether several fit and the name chose none)."""
    units = stored.get(key, [])
    if len(units) <= 1:
        return (units[0] if units else None), False
    named = [u for u in units if name_key(u.name) == name_key(str(name or ""))]
    return (named[0], False) if len(named) == 1 else (None, True)


@transaction.atomic
def _apply(parsed: list[tuple[int, dict]], report: ImportReport, actor) -> None:
    """Through the registry service: history for every changed field, and a removal announced per unit (its
    codes are revoked in this same transaction)."""
    codes = [data["credit_code"] for _row, data in parsed]
    existing = _by_code(Unit.objects.select_for_update().filter(credit_code__in=codes))
    today = timezone.localdate()
    reason = _("Spreadsheet import")
    new_units, changes = [], []
    lists = _Lists()
    for _row, data in parsed:
        unit, _several = _find(existing, (data["credit_code"], data["kind"]), data["name"])
        data["listed_in"] = lists.of(data["level"], data.get("batch", unit.batch if unit else None),
                                     data["year_listed"])
        if unit is None:
            unit = Unit(**{"status": UnitStatus.LISTED, **data})
            if unit.status == UnitStatus.REMOVED:
                unit.status_date = today
            new_units.append(unit)
            continue
        values = {k: v for k, v in data.items() if k != "credit_code"}
        if "status" in values and values["status"] != unit.status:
            values["status_date"] = today
        changes.append((unit, values))
    services.create_units(new_units, actor=actor, reason=reason, source=HistorySource.IMPORT)
    changed = services.apply_changes(changes, actor=actor, reason=reason, source=HistorySource.IMPORT)
    report.created = len(new_units)
    report.updated = len(changed)
    report.unchanged = len(changes) - len(changed)


def template_sheets() -> list[Sheet]:
    """The downloadable template: the header row, and a sheet of instructions and allowed values."""
    guide = [
        [COL_CODE, _("Required. 18 characters, checked with the GB 32100 check character. Rows are matched on it: an existing code updates that unit.")],
        [COL_NAME, _("Required. The unit's registered name.")],
        [COL_KIND, "、".join(KIND_WORDS)],
        [COL_LEVEL, "、".join(LEVEL_WORDS)],
        [COL_CITY, _("A city of Guangdong, e.g. 广州市 (or its code 440100).")],
        [COL_INDUSTRY, _("GB/T 4754-2017 division, 13–46. Required for factories and supply-chain firms.")],
        [COL_BATCH, _("1–8 for the national batches (e.g. 8 or 第八批); blank for provincial and municipal lists.")],
        [COL_YEAR, _("Required. The year the unit was listed, e.g. 2023.")],
        [COL_STATUS, _("已列入 (default for a new unit) or 已移出.")],
        [COL_REASON, _("Required when the status becomes 已移出.")],
        [COL_CONTACT, _("Optional.")],
        [COL_PHONE, _("Optional.")],
        ["", _("For an existing unit, an optional cell left blank keeps the stored value; write 清空 in it to clear the value.")],
    ]
    cities = City.objects.order_by("seed_order").values_list("name", "code")
    industries = Industry.objects.order_by("code").values_list("code", "name")
    return [
        Sheet(title="名单导入", headers=HEADERS, rows=[], widths=[22, 40, 18, 10, 10, 10, 8, 10, 8, 30, 12, 16]),
        Sheet(title="填写说明", headers=["列", "说明"], rows=guide, widths=[18, 90]),
        Sheet(title="城市代码", headers=["城市", "代码"], rows=list(cities), widths=[12, 10]),
        Sheet(title="行业代码", headers=["代码", "行业"], rows=list(industries), widths=[8, 50]),
    ]

