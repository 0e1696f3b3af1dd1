import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from registry.enums import ListPurpose, UnitKind
from registry.published_lists import ListNameError, NotReady, apply_import, make_plan, start_import
from registry.spreadsheet_import import ImportFileError

KINDS = {"factory": UnitKind.FACTORY, "supply-chain": UnitKind.SUPPLY_CHAIN, "park": UnitKind.PARK}


class Command(BaseCommand):
    help = (
        "Import a list MIIT published (its layout: 序号, 地区, 工厂名称, 行业, 第三方评价机构; optional 城市, 区县, "
        "统一社会信用代码). Keeps the 广东 and 深圳 rows, matches them with the registry and applies the whole list "
        "or nothing. Rows that need a decision are left for the province on the portal's import page."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--kind", required=True, choices=sorted(KINDS))
        parser.add_argument("--list", required=True, dest="list_name",
                            help="As MIIT names it: 第一批 … 第八批, 2021年度, 2024年度 …")
        parser.add_argument("--notice", default="", help="The notice's number, e.g. 工信厅节函〔2025〕12号.")
        parser.add_argument("--published-on", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument("--removals", action="store_true", help="The file lists units MIIT removed.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Classify the rows and print one JSON summary line; save nothing.")

    def handle(self, *args, file: Path, kind, list_name, notice, published_on, removals, dry_run, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        purpose = ListPurpose.REMOVAL if removals else ListPurpose.LISTING
        try:
            with file.open("rb") as fh:
                list_import = start_import(fh, kind=KINDS[kind], list_name=list_name, purpose=purpose, notice=notice,
                                           published_on=published_on, filename=file.name, save=not dry_run)
        except (ImportFileError, ListNameError) as exc:
            raise CommandError(str(exc)) from None
        if dry_run:
            plan = make_plan(list_import.rows, kind=list_import.kind, purpose=purpose)
            self.stdout.write(json.dumps(plan.summary, ensure_ascii=False))
            return
        try:
            result = apply_import(list_import, actor=None)
        except NotReady as exc:
            for r in exc.plan.open_rows:
                why = "; ".join(r.problems) or r.category
                self.stderr.write(f"row {r.row} · {r.name} · {why}")
            raise CommandError(
                f"{exc} Decide them on the portal: {reverse('registry:list_import', args=[list_import.pk])}") from None
        self.stdout.write(self.style.SUCCESS(
            f"{list_import.list_name}: created {result['created']}, updated {result['updated']}, "
            f"unchanged {result['unchanged']}"))
