"""Bulk filing import: N filings in one .xlsx, parsed and applied all-or-nothing, as the province.

    python bench/imports.py [--filings 10000]

Needs at least N listed factories (it adds synthetic ones through seed_demo --factories when short) and
uses a campaign year of its own (2090) so it never touches demo filings. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from registry.demo import LOAD_PREFIX  # noqa: E402
from registry.enums import UnitKind, UnitStatus  # noqa: E402
from registry.models import Unit, User  # noqa: E402
from registry.xlsx import Sheet, write_workbook  # noqa: E402
from reviews import uploads  # noqa: E402
from reviews.models import Campaign, Filing  # noqa: E402
from reviews.services.filings import apply_bulk  # noqa: E402
from reviews.synthetic import factory_totals  # noqa: E402

YEAR = 2090


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--filings", type=int, default=10000)
    args = parser.parse_args()
    n = args.filings
    have = Unit.objects.filter(name__startswith=LOAD_PREFIX, kind=UnitKind.FACTORY, status=UnitStatus.LISTED).count()
    if have < n:
        call_command("seed_demo", factories=n - have, stdout=io.StringIO())
    units = list(Unit.objects.filter(name__startswith=LOAD_PREFIX, kind=UnitKind.FACTORY, status=UnitStatus.LISTED)
                 .select_related("industry").order_by("id")[:n])
    campaign, _ = Campaign.objects.get_or_create(year=YEAR, defaults={
        "filing_opens": dt.date(YEAR, 1, 15), "filing_due": dt.date(YEAR, 3, 10),
        "city_review_due": dt.date(YEAR, 3, 31), "province_report_due": dt.date(YEAR, 4, 15)})
    Filing.objects.filter(campaign=campaign).delete()

    rng = random.Random(n)
    names = uploads.fields_for(UnitKind.FACTORY)
    keys = [uploads.KEY_ROW_MARK, "unit_name", *names, "explanation"]
    rows = [keys]
    for unit in units:
        totals = factory_totals(rng, unit.industry.code if unit.industry else None)
        rows.append([unit.credit_code, unit.name] + [
            (float(v) if hasattr(v, "is_finite") else v) for v in (totals.get(k) for k in names)] + ["批量导入说明"])
    buffer = io.BytesIO()
    write_workbook(buffer, [Sheet(title=uploads.KIND_SHEETS[UnitKind.FACTORY], headers=["统一社会信用代码"] * len(keys), rows=rows)])
    size_mb = len(buffer.getvalue()) / 1e6
    buffer.seek(0)
    buffer.size = len(buffer.getvalue())

    province = User.objects.filter(memberships__scope="province").first()
    by_code = uploads.units_by_code(units)
    tracemalloc.start()
    t0 = time.perf_counter()
    parsed = uploads.parse_bulk(buffer, filename="bench.xlsx", units_by_code=by_code, max_rows=n + 1)
    t1 = time.perf_counter()
    assert not parsed.file_error and not parsed.errors, (parsed.file_error, parsed.errors[:3])
    problems = apply_bulk(campaign, parsed.rows, actor=province, submit=True)
    t2 = time.perf_counter()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not problems, problems[:3]
    saved = Filing.objects.filter(campaign=campaign, state="submitted").count()
    print(json.dumps({
        "bench": "import_filings", "database": connection.vendor, "filings": n, "saved": saved,
        "file_mb": round(size_mb, 2), "parse_seconds": round(t1 - t0, 2), "apply_seconds": round(t2 - t1, 2),
        "seconds": round(t2 - t0, 2), "peak_python_mb": round(peak / 1e6, 1),
    }), flush=True)
    Filing.objects.filter(campaign=campaign).delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
