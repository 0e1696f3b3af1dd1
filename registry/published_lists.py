"""Import the lists MIIT publishes, as they come, and reconcile them with the registry.

MIIT publishes one file per list and year (第一批 … 第八批, then 2021年度 … 2025年度 …), with the columns
`序号, 地区, 工厂名称 (企业名称 / 园区名称), 行业, 第三方评价机构`. 地区 is the province, with Shenzhen on its own
(计划单列市); there is no credit code and no city. The province may add a 城市, 区县 and 统一社会信用代码 column.
Removals are published the same way.

1. `read_rows` keeps the 广东 and 深圳 rows (a merged 地区 cell counts for the rows below it).
2. `make_plan` classifies every row against the registry as it is now:
   - **matched**: by credit code where one is given, else by normalised name (current or former name);
   - **new**: not in the registry, and its city is known (深圳, the 城市 column, or the legal entity's other
     listing: the same company on another list joins that enterprise);
   - **ambiguous**: several units fit, or only near misses (rapidfuzz), listed as candidates;
   - **needs_city**: a new 广东 row whose city nobody has said yet.
   A row can also carry problems (a masked code, an unknown industry …): it is open until they are resolved.
3. The province decides the open rows on the page (ListImport.decisions), and `apply_import` applies the whole
   list in one transaction, through registry.services, with history; nothing is saved while a row is open.
   Applying the same list again changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz, process

from . import services
from .creditcode import credit_code_problem, normalise
from .enums import BATCH_NAMES, BATCH_YEARS, FIRST_YEARLY_LIST, HistorySource, Level, ListPurpose, UnitKind, UnitStatus
from .models import City, District, Enterprise, Industry, ListImport, PublishedList, Unit, UnitHistory
from .names import clean_name, name_key
from .params import int_or_none
from .spreadsheet_import import ImportFileError, iter_rows, read_sheet

# The columns, as MIIT (and the province, for the optional ones) writes them.
COL_NUMBER = "序号"
REGION_COLUMNS = ("地区", "省份", "省(区、市)", "省（区、市）")
NAME_COLUMNS = ("工厂名称", "企业名称", "园区名称", "园区", "单位名称", "名称")
COL_INDUSTRY = "行业"
EVALUATOR_COLUMNS = ("第三方评价机构", "第三方机构", "评价机构")
COL_CITY = "城市"
COL_DISTRICT = "区县"
COL_CODE = "统一社会信用代码"
ALL_COLUMNS = (COL_NUMBER, *REGION_COLUMNS, *NAME_COLUMNS, COL_INDUSTRY, *EVALUATOR_COLUMNS, COL_CITY, COL_DISTRICT,
               COL_CODE)

# 地区 values kept: the province, and Shenzhen, which MIIT lists on its own.
GUANGDONG = ("广东", "广东省")
SHENZHEN = ("深圳", "深圳市")

# Statuses of a row.
MATCHED, NEW, AMBIGUOUS, NEEDS_CITY = "matched", "new", "ambiguous", "needs_city"
STATUSES = (MATCHED, NEW, AMBIGUOUS, NEEDS_CITY)

# How a row found its unit, or the enterprise of its new unit.
VIA = {
    "code": _("credit code"),
    "name": _("name"),
    "former_name": _("former name"),
    "decision": _("the province's decision"),
    "earlier_decision": _("the province's decision on an earlier import of this spelling"),
    "enterprise_code": _("a new listing of the enterprise with this credit code"),
    "sibling": _("the same company is on another list"),
    "parent": _("a branch or plant of an enterprise in the registry"),
}

# Near misses: rapidfuzz's ratio of the normalised names, 0-100.
FUZZY_CUTOFF = 85
FUZZY_LIMIT = 5

# MIIT's short sector words that name one GB/T 4754 division without doubt; anything else must be a
# division's own name or code, or the province picks the industry of a new unit.
SECTOR_WORDS = {
    "汽车": "36", "电子": "39", "电子信息": "39", "家电": "38", "钢铁": "31", "有色": "32", "有色金属": "32",
    "建材": "30", "医药": "27", "化工": "26", "石化": "25", "造纸": "22", "家具": "21", "纺织": "17", "船舶": "37",
    "电力": "44",
}
# What a branch's or a plant's name ends with after its parent's name.
BRANCH_TAIL = re.compile(r".*(分公司|分厂|工厂|厂|生产基地|基地)$")
CHINESE_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8}


class ListNameError(ValueError):
    pass


@dataclass(frozen=True)
class ListName:
    name: str  # canonical: 第八批, 2024年度
    batch: int | None
    year: int


def parse_list_name(text: str) -> ListName:
    """A list as MIIT names it: 第一批 … 第八批 (or 第8批), or a year's list, 2024年度 (or 2024). The year lists
    of 2021-2023 are the sixth to eighth batches."""
    raw = "".join(unicodedata.normalize("NFKC", str(text or "")).split())
    raw = raw.removesuffix("绿色制造名单").removesuffix("名单")
    match = re.fullmatch(r"第?([一二三四五六七八]|\d+)批?", raw)
    if match and not re.fullmatch(r"\d{4}", match.group(1)):
        token = match.group(1)
        number = CHINESE_NUMERALS.get(token) or int(token)
        if number not in BATCH_YEARS:
            raise ListNameError(_("MIIT published eight batches; “%(text)s” is not one of them.") % {"text": text})
        return ListName(BATCH_NAMES[number], number, BATCH_YEARS[number])
    match = re.fullmatch(r"(\d{4})(?:年度|年)?", raw)
    if match:
        year = int(match.group(1))
        by_year = {y: n for n, y in BATCH_YEARS.items() if y >= BATCH_YEARS[6]}
        if year in by_year:
            return ListName(BATCH_NAMES[by_year[year]], by_year[year], year)
        if FIRST_YEARLY_LIST <= year <= timezone.localdate().year + 1:
            return ListName(f"{year}年度", None, year)
        raise ListNameError(_("Before 2021 the lists were named by batch (第一批 … 第五批); %(year)d is not a list year.")
                            % {"year": year})
    raise ListNameError(_("“%(text)s” is not a list name: write it as MIIT does, e.g. 第八批 or 2024年度.") % {"text": text})


# --- reading --------------------------------------------------------------------------------------------------

def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(fileobj, *, filename: str = "") -> tuple[list[dict], int]:
    """(the 广东 and 深圳 rows, the number of other provinces' rows skipped). Raises ImportFileError."""
    # Read whole (within the reader's bounds): the header has several spellings, tried below on the rows read.
    sheet = read_sheet(fileobj, name=filename)
    found = None
    for region_col in REGION_COLUMNS:
        for name_col in NAME_COLUMNS:
            try:
                rows = list(iter_rows(sheet, ALL_COLUMNS, [region_col, name_col]))
            except ImportFileError:
                continue
            found = (region_col, name_col, rows)
            break
        if found:
            break
    if found is None:
        raise ImportFileError(
            _("The header row was not found. MIIT's layout has the columns 序号、地区、工厂名称 (or 企业名称, 园区名称)、行业、第三方评价机构."))
    region_col, name_col, rows = found
    kept, skipped, region = [], 0, ""
    for number, values in rows:
        # A merged 地区 cell holds its value in its first row only: it counts for the rows below it.
        region = _text(values.get(region_col)) or region
        name = _text(values.get(name_col))
        if not name:
            continue
        if region not in GUANGDONG + SHENZHEN:
            skipped += 1
            continue
        kept.append({
            "row": number,
            "number": _text(values.get(COL_NUMBER)),
            "region": region,
            "name": name,
            "industry": _text(values.get(COL_INDUSTRY)),
            "evaluator": next((_text(values.get(c)) for c in EVALUATOR_COLUMNS if values.get(c)), ""),
            "city": _text(values.get(COL_CITY)),
            "district": _text(values.get(COL_DISTRICT)),
            "code": _text(values.get(COL_CODE)),
        })
    return kept, skipped


# --- the plan -------------------------------------------------------------------------------------------------

@dataclass
class Candidate:
    unit: Unit
    score: int


@dataclass
class PlanRow:
    row: int
    number: str
    region: str
    raw_name: str
    name: str
    former_name: str
    industry_text: str
    evaluator: str
    code: str
    category: str = NEW  # matched, new, ambiguous or needs_city
    via: str = ""  # how it matched or where its enterprise came from: one of VIA
    unit: Unit | None = None
    enterprise: Enterprise | None = None
    branch_code: str = ""
    city: City | None = None
    district: District | None = None
    industry: Industry | None = None
    suggested_city: City | None = None
    suggested_district: District | None = None
    candidates: list[Candidate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decided: bool = False

    @property
    def is_open(self) -> bool:
        return self.category in (AMBIGUOUS, NEEDS_CITY) or bool(self.problems)

    @property
    def how(self) -> str:
        return str(VIA[self.via]) if self.via else ""


@dataclass
class Plan:
    kind: str
    purpose: str
    rows: list[PlanRow]

    @property
    def summary(self) -> dict:
        counts = {"rows": len(self.rows)}
        for status in STATUSES:
            counts[status] = sum(1 for r in self.rows if r.category == status)
        return counts

    @property
    def open_rows(self) -> list[PlanRow]:
        return [r for r in self.rows if r.is_open]

    @property
    def ready(self) -> bool:
        return bool(self.rows) and not self.open_rows


class _Registry:
    """What the plan compares the rows with, read once: a handful of queries whatever the file's length."""

    def __init__(self, kind: str, rows: list[dict]):
        self.kind = kind
        self.cities: dict[str, City] = {}
        for city in City.objects.all():
            for key in (city.code, city.name, city.name.removesuffix("市")):
                self.cities[key] = city
        self.shenzhen = self.cities["深圳市"]
        self.cities_by_pk = {c.pk: c for c in self.cities.values()}
        self.city_prefixes = sorted((k for k in self.cities if not k.isdigit()), key=len, reverse=True)
        self.districts: dict[tuple[int, str], District] = {}
        self.districts_by_pk: dict[int, District] = {}
        self.district_prefixes: list[tuple[str, District]] = []
        for district in District.objects.select_related("city"):
            self.districts[(district.city_id, district.name)] = district
            self.districts_by_pk[district.pk] = district
            short = re.sub(r"(区|县|市|自治县)$", "", district.name)
            if len(short) >= 2:
                self.districts[(district.city_id, short)] = district
                self.district_prefixes.append((short, district))
        self.industries = {i.code: i for i in Industry.objects.all()}
        self.industry_keys = {name_key(i.name): i for i in self.industries.values()}

        units = list(Unit.objects.select_related("city", "enterprise", "district").order_by("pk"))
        self.units = {u.pk: u for u in units}
        self.same_kind = {u.pk: name_key(u.name) for u in units if u.kind == kind}
        self.by_key: dict[str, list[Unit]] = {}
        self.other_kind_by_key: dict[str, list[Unit]] = {}
        for unit in units:
            target = self.by_key if unit.kind == kind else self.other_kind_by_key
            target.setdefault(name_key(unit.name), []).append(unit)
        self.by_former_key: dict[str, list[Unit]] = {}
        former = UnitHistory.objects.filter(field="name", unit__kind=kind).exclude(old_value="")
        for unit_id, old in former.values_list("unit_id", "old_value").distinct():
            if unit_id in self.units and name_key(old) != self.same_kind.get(unit_id):
                self.by_former_key.setdefault(name_key(old), []).append(self.units[unit_id])
        # Spellings the province already tied to a unit on an earlier import: a re-import finds them again.
        self.decided: dict[str, Unit] = {}
        earlier = ListImport.objects.filter(kind=kind, applied_at__isnull=False).exclude(decisions={})
        for earlier_rows, decisions in earlier.order_by("applied_at").values_list("rows", "decisions"):
            names = {str(row["row"]): row["name"] for row in earlier_rows}
            for row, decision in decisions.items():
                chosen = int_or_none(str(decision.get("unit") or ""))
                if chosen in self.units and row in names:
                    self.decided[name_key(clean_name(names[row])[0])] = self.units[chosen]
        self.by_code: dict[str, list[Unit]] = {}
        for unit in units:
            if unit.credit_code:
                self.by_code.setdefault(unit.credit_code, []).append(unit)
        codes = {normalise(r.get("code", "")) for r in rows} - {""}
        self.enterprises_by_code = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=codes)}
        self.waived_codes = set(Enterprise.objects.filter(credit_code__in=codes).exclude(code_check_waiver="")
                                .values_list("credit_code", flat=True))
        self.enterprise_keys: dict[str, Enterprise] = {}
        for enterprise in Enterprise.objects.only("pk", "name", "credit_code"):
            self.enterprise_keys.setdefault(name_key(enterprise.name), enterprise)

    def city(self, text: str) -> City | None:
        return self.cities.get(text.strip()) if text else None

    def industry(self, text: str) -> Industry | None:
        if not text:
            return None
        key = name_key(text)
        code = re.fullmatch(r"[cd]?(\d{2})", key)
        if code:
            return self.industries.get(code.group(1))
        if key in self.industry_keys:
            return self.industry_keys[key]
        if key in SECTOR_WORDS:
            return self.industries.get(SECTOR_WORDS[key])
        containing = [i for k, i in self.industry_keys.items() if key in k or k in key]
        return containing[0] if len(containing) == 1 else None

    def place_from_name(self, name: str) -> tuple[City | None, District | None]:
        """The city (and district) a name starts with: 佛山市顺德区…, 东莞…; a suggestion, never a fact."""
        city = None
        rest = name
        for key in self.city_prefixes:
            if name.startswith(key):
                city, rest = self.cities[key], name[len(key):].removeprefix("市")
                break
        for short, district in self.district_prefixes:
            if rest.startswith(short) and (city is None or district.city_id == city.pk):
                return district.city, district
        return city, None

    def parent_of(self, key: str) -> Enterprise | None:
        """The enterprise whose name the row's name starts with, where the rest names a branch or plant."""
        for end in range(len(key) - 1, 3, -1):
            enterprise = self.enterprise_keys.get(key[:end])
            if enterprise is not None and BRANCH_TAIL.fullmatch(key[end:]):
                return enterprise
        return None


def _match(r: PlanRow, reg: _Registry, key: str, former_key: str) -> None:
    """Sets r.unit, or r.candidates, or the enterprise of a new unit, from the code, the name and the former
    name, in that order."""
    if r.code:
        carrying = reg.by_code.get(r.code, [])
        same = [u for u in carrying if u.kind == reg.kind]
        named = [u for u in same if name_key(u.name) in (key, former_key)]
        if len(same) == 1 or len(named) == 1:
            r.unit, r.via = (same[0] if len(same) == 1 else named[0]), "code"
            return
        if same:
            r.candidates = [Candidate(u, 100) for u in same]
            return
        enterprise = reg.enterprises_by_code.get(r.code) or (carrying[0].enterprise if carrying else None)
        if enterprise is not None:
            r.enterprise, r.via = enterprise, "enterprise_code"
            r.suggested_city, r.suggested_district = (carrying[0].city, carrying[0].district) if carrying else (None, None)
            return
    by_name, via = reg.by_key.get(key, []), "name"
    if not by_name and former_key:
        by_name, via = reg.by_key.get(former_key, []), "former_name"
    if not by_name:
        by_name, via = reg.by_former_key.get(key, []), "name"
    if not by_name and key in reg.decided:
        by_name, via = [reg.decided[key]], "earlier_decision"
    if len(by_name) == 1:
        r.unit, r.via = by_name[0], via
        return
    if by_name:
        r.candidates = [Candidate(u, 100) for u in by_name]
        return
    sibling = reg.other_kind_by_key.get(key, []) or (reg.other_kind_by_key.get(former_key, []) if former_key else [])
    if sibling and len({u.enterprise_id for u in sibling}) == 1:
        # The same legal entity on another list (a factory that is also a supply-chain firm).
        r.enterprise, r.via = sibling[0].enterprise, "sibling"
        r.suggested_city, r.suggested_district = sibling[0].city, sibling[0].district
        return
    # A branch or plant of an enterprise the registry knows (its name, then 分公司, 厂 …): a new unit under it, not
    # a near miss of the parent's own listing.
    parent = reg.parent_of(key)
    if parent is not None:
        r.enterprise, r.via = parent, "parent"
    near = process.extract(key, reg.same_kind, scorer=fuzz.ratio, limit=FUZZY_LIMIT, score_cutoff=FUZZY_CUTOFF)
    r.candidates = [Candidate(reg.units[unit_id], round(score)) for _k, score, unit_id in near
                    if parent is None or reg.units[unit_id].enterprise_id != parent.pk]


def _new_row_fields(r: PlanRow, reg: _Registry, decision: dict, purpose: str) -> None:
    """City, district, industry, enterprise and branch code of a row that becomes a new unit."""
    if purpose == ListPurpose.REMOVAL:
        r.problems.append(_("Not in the registry: a removal must name a unit of the registry. Choose it."))
        return
    parent_code = normalise(str(decision.get("parent_code") or ""))
    if parent_code:
        parent = Enterprise.objects.filter(credit_code=parent_code).first()
        if parent is None:
            r.problems.append(_("No enterprise in the registry has the credit code %(code)s.") % {"code": parent_code})
        else:
            r.enterprise, r.via = parent, "parent"
    if r.city is None and int_or_none(str(decision.get("city") or "")) is not None:
        r.city = reg.cities_by_pk.get(int_or_none(str(decision["city"])))
    if r.city is None and r.via in ("sibling", "enterprise_code") and r.suggested_city is not None:
        # Another listing of the same legal entity: the same place.
        r.city, r.district = r.suggested_city, r.suggested_district
    if r.city is None and r.region in SHENZHEN:
        r.city = reg.shenzhen
    if int_or_none(str(decision.get("district") or "")) is not None and r.city is not None:
        r.district = reg.districts_by_pk.get(int_or_none(str(decision["district"])))
        if r.district is None or r.district.city_id != r.city.pk:
            r.problems.append(_("The district chosen is not one of %(city)s.") % {"city": r.city})
            r.district = None
    if r.suggested_city is None:
        r.suggested_city, r.suggested_district = reg.place_from_name(r.name)
        if r.suggested_city is None and r.enterprise is not None:
            tail = r.name.removeprefix(r.enterprise.name)
            r.suggested_city, r.suggested_district = reg.place_from_name(tail)
    r.category = NEW if r.city is not None else NEEDS_CITY
    if str(decision.get("industry") or ""):
        r.industry = reg.industries.get(str(decision["industry"]))
    if r.industry is None and reg.kind != UnitKind.PARK:
        r.industry = reg.industry(r.industry_text)
        if r.industry is None:
            r.problems.append(_("Industry “%(text)s” is not a GB/T 4754 division the portal can tell: choose the industry.")
                              % {"text": r.industry_text or "—"})
    if r.enterprise is not None and r.code and r.code != r.enterprise.credit_code:
        r.branch_code = r.code  # a branch registered on its own


def _plan_row(raw: dict, reg: _Registry, decision: dict, purpose: str) -> PlanRow:
    name, former = clean_name(raw["name"])
    r = PlanRow(row=raw["row"], number=raw.get("number", ""), region=raw["region"], raw_name=raw["name"], name=name,
                former_name=former, industry_text=raw.get("industry", ""), evaluator=raw.get("evaluator", "")[:200],
                code=normalise(raw.get("code", "")))
    if len(name) > 200:
        r.problems.append(_("The name is longer than 200 characters."))
    if r.code:
        problem = credit_code_problem(r.code)
        if problem and not (problem.kind == "check" and r.code in reg.waived_codes):
            r.problems.append(problem.message)
            r.code = ""
    if raw.get("city"):
        r.city = reg.city(raw["city"])
        if r.city is None:
            r.problems.append(_("“%(value)s” is not a city of Guangdong; write e.g. 广州市 or 440100.") % {"value": raw["city"]})
        elif r.region in SHENZHEN and r.city != reg.shenzhen:
            r.problems.append(_("MIIT lists this row under 深圳, but the 城市 column says %(city)s.") % {"city": r.city})
    if raw.get("district") and r.city is not None:
        r.district = reg.districts.get((r.city.pk, raw["district"]))
        if r.district is None:
            r.problems.append(_("“%(value)s” is not a district or review area of %(city)s.") % {"value": raw["district"],
                                                                                           "city": r.city})
    key, former_key = name_key(name), name_key(former)
    chosen = str(decision.get("unit") or "")
    if int_or_none(chosen) is not None:
        unit = reg.units.get(int_or_none(chosen))
        if unit is None or unit.kind != reg.kind:
            r.problems.append(_("The unit chosen is not a unit of this kind in the registry."))
        else:
            r.unit, r.via, r.decided = unit, "decision", True
    elif chosen == "new":
        r.decided = True
        parent = reg.parent_of(key)
        if parent is not None:
            r.enterprise, r.via = parent, "parent"
    else:
        _match(r, reg, key, former_key)
    if r.unit is not None:
        r.category = MATCHED
        r.candidates = []
        if r.city is not None and r.city != r.unit.city:
            r.notes.append(_("The file says %(file)s; the registry keeps %(registry)s.") % {"file": r.city,
                                                                                          "registry": r.unit.city})
        return r
    if r.candidates and not r.decided:
        r.category = AMBIGUOUS
        return r
    _new_row_fields(r, reg, decision, purpose)
    return r


def make_plan(rows: list[dict], *, kind: str, purpose: str = ListPurpose.LISTING,
              decisions: dict | None = None) -> Plan:
    """Every row classified against the registry as it is, with the province's decisions taken in."""
    decisions = decisions or {}
    reg = _Registry(kind, rows)
    plan = Plan(kind, purpose, [_plan_row(raw, reg, decisions.get(str(raw["row"]), {}), purpose) for raw in rows])
    # The same unit twice in one list is a mistake the province must see.
    seen_units: dict[int, int] = {}
    seen_new: dict[str, int] = {}
    for r in plan.rows:
        if r.unit is not None:
            first = seen_units.setdefault(r.unit.pk, r.row)
        elif r.category in (NEW, NEEDS_CITY):
            first = seen_new.setdefault(name_key(r.name), r.row)
        else:
            continue
        if first != r.row:
            r.problems.append(_("The same unit is already in row %(row)d.") % {"row": first})
    return plan


# --- applying -------------------------------------------------------------------------------------------------

class NotReady(Exception):  # noqa: N818 (says what the import is: not ready to apply)
    def __init__(self, plan: Plan):
        super().__init__(_("%(n)d row(s) still need a decision; nothing was saved.") % {"n": len(plan.open_rows)})
        self.plan = plan


def _published_list(list_import: ListImport) -> PublishedList:
    parsed = parse_list_name(list_import.list_name)
    published, _created = PublishedList.objects.get_or_create(
        name=parsed.name, purpose=list_import.purpose,
        defaults={"batch": parsed.batch, "year": parsed.year, "notice": list_import.notice,
                  "published_on": list_import.published_on},
    )
    published = PublishedList.objects.select_for_update().get(pk=published.pk)  # one apply of a list at a time
    fill = {}
    if list_import.notice and not published.notice:
        fill["notice"] = list_import.notice
    if list_import.published_on and not published.published_on:
        fill["published_on"] = list_import.published_on
    if fill:
        PublishedList.objects.filter(pk=published.pk).update(**fill)
        for name, value in fill.items():
            setattr(published, name, value)
    return published


def _reason(published: PublishedList) -> str:
    notice = f"（{published.notice}）" if published.notice else ""
    if published.purpose == ListPurpose.REMOVAL:
        return f"工业和信息化部{published.name}绿色制造名单动态调整：移出名单{notice}"
    return f"工业和信息化部{published.name}绿色制造名单{notice}"


def _listing_changes(r: PlanRow, unit: Unit, published: PublishedList) -> dict:
    values: dict = {}
    relisted = unit.status == UnitStatus.REMOVED
    # A unit on the national list keeps the list it came from; a provincial or municipal unit now named
    # nationally, or one MIIT lists again after its removal, comes from this list.
    on_national_list = unit.level == Level.NATIONAL and (unit.listed_in_id or unit.batch)
    if relisted or not on_national_list:
        values.update(services.list_fields(published), level=Level.NATIONAL)
    if relisted:
        values.update(services.relisting_changes(date=published.published_on))
    listed_in_id = values["listed_in"].pk if "listed_in" in values else unit.listed_in_id
    if r.evaluator and listed_in_id == published.pk:
        values["evaluator"] = r.evaluator
    if r.former_name and name_key(unit.name) == name_key(r.former_name):
        values["name"] = r.name  # MIIT prints the rename: 新名称（原旧名称）
    if r.district is not None and unit.district_id is None and r.district.city_id == unit.city_id:
        values["district"] = r.district
    return values


@transaction.atomic
def apply_import(list_import: ListImport, *, actor) -> dict:
    """Apply the whole list or nothing: raises NotReady while any row is open. Returns the counts."""
    if list_import.applied_at is not None:
        raise ValueError("this import was applied already; upload the file again to re-check it")
    published = _published_list(list_import)
    plan = make_plan(list_import.rows, kind=list_import.kind, purpose=list_import.purpose,
                     decisions=list_import.decisions)
    if not plan.ready:
        raise NotReady(plan)
    reason = _reason(published)
    source = HistorySource.MIIT_LIST
    matched = [r for r in plan.rows if r.category == MATCHED]
    locked = Unit.objects.select_for_update().in_bulk([r.unit.pk for r in matched])
    changes = []
    for r in matched:
        unit = locked[r.unit.pk]
        if list_import.purpose == ListPurpose.REMOVAL:
            if unit.removed_in_id == published.pk:
                values = {}
            elif unit.status == UnitStatus.REMOVED:  # removed earlier: it only learns the list that removed it
                values = {"removed_in": published}
            else:
                values = services.removal_changes(reason, date=published.published_on, removed_in=published)
        else:
            values = _listing_changes(r, unit, published)
        changes.append((unit, values))
    old_names = {unit.pk: unit.name for unit, _values in changes}
    changed = services.apply_changes(changes, actor=actor, reason=reason, source=source)
    # A listing that bore its legal entity's name renames the entity with it.
    for unit in changed:
        if unit.name != old_names[unit.pk] and unit.enterprise.name == old_names[unit.pk]:
            services._enterprise_change(unit.enterprise, {"name": unit.name}, actor=actor, reason=reason, source=source)

    new_rows = [r for r in plan.rows if r.category == NEW]
    units = []
    for r in new_rows:
        # No enterprise yet: create_units finds the one that owns the code, or creates it (named after the unit).
        units.append(Unit(
            enterprise=r.enterprise, name=r.name, credit_code=r.code, branch_code=r.branch_code, kind=plan.kind,
            level=Level.NATIONAL, **services.list_fields(published), evaluator=r.evaluator, city=r.city,
            district=r.district, industry=r.industry, status_date=published.published_on or timezone.localdate(),
        ))
    services.create_units(units, actor=actor, reason=reason, source=source)
    UnitHistory.objects.bulk_create([
        UnitHistory(unit=unit, field="name", old_value=r.former_name, new_value=unit.name, reason=reason[:500],
                    source=source, actor=actor)
        for r, unit in zip(new_rows, units, strict=True) if r.former_name
    ])
    result = {**plan.summary, "created": len(units), "updated": len(changed),
              "unchanged": len(changes) - len(changed), "list": published.pk}
    list_import.applied_at = timezone.now()
    list_import.applied_by = actor
    list_import.result = result
    list_import.save(update_fields=["applied_at", "applied_by", "result"])
    return result


def start_import(fileobj, *, kind: str, list_name: str, purpose: str = ListPurpose.LISTING, notice: str = "",
                 published_on=None, filename: str = "", actor=None, save: bool = True) -> ListImport:
    """Read a file into a ListImport (saved unless `save` is False). Raises ImportFileError or ListNameError."""
    parsed = parse_list_name(list_name)
    rows, skipped = read_rows(fileobj, filename=filename)
    if not rows:
        raise ImportFileError(_("The file has no rows for 广东 or 深圳 (%(n)d rows of other provinces were skipped).")
                              % {"n": skipped})
    list_import = ListImport(list_name=parsed.name, purpose=purpose, kind=kind, notice=notice.strip()[:100],
                             published_on=published_on, filename=filename[:200], rows=rows, created_by=actor,
                             result={"skipped": skipped})
    if save:
        list_import.save()
    return list_import
