"""A synthetic cohort for the scoring benchmark, kept apart from real and demo data.

Its units are named "BENCH-…", listed in BENCH_YEAR (so no real cohort counts them as "did not file"),
with accepted filings of a campaign of BENCH_YEAR only. `clear()` removes all of it again.
"""

from __future__ import annotations

import io
import math
import random
import time

from django.db import connection, transaction
from django.utils import timezone

from registry.creditcode import ALPHABET, make_code
from registry.enums import Level, UnitKind
from registry.models import City, Enterprise, Industry, Unit
from registry.services import attach_enterprises
from reviews.enums import FilingState
from reviews.indicators import indicators_for
from reviews.models import Campaign, DataFlag, Filing, FilingIndicator
from reviews.synthetic import ENERGY_INTENSITY

from ..models import CohortState, GreenCode, Score, ScoreRun

BENCH_YEAR = 2999
PREFIX = "BENCH-"


def _t(model):
    return connection.ops.quote_name(model._meta.db_table)


def clear() -> None:
    """Delete every benchmark unit, filing, run and score (raw deletes: fast at 100k)."""
    runs = list(ScoreRun.objects.filter(year=BENCH_YEAR).values_list("pk", flat=True))
    campaign = Campaign.objects.filter(year=BENCH_YEAR).first()
    with transaction.atomic(), connection.cursor() as cur:
        if runs:
            marks = ", ".join(["%s"] * len(runs))
            cur.execute(f"DELETE FROM {_t(Score)} WHERE run_id IN ({marks})", runs)  # noqa: S608 (table names from the models; values are parameters)
            cur.execute(f"DELETE FROM {_t(ScoreRun)} WHERE id IN ({marks})", runs)  # noqa: S608 (table names from the models; values are parameters)
        CohortState.objects.filter(year=BENCH_YEAR).delete()
        GreenCode.objects.filter(year=BENCH_YEAR).delete()
        if campaign:
            filings = f"SELECT id FROM {_t(Filing)} WHERE campaign_id = %s"  # noqa: S608 (table names from the models; values are parameters)
            cur.execute(f"DELETE FROM {_t(FilingIndicator)} WHERE filing_id IN ({filings})", [campaign.pk])  # noqa: S608 (table names from the models; values are parameters)
            cur.execute(f"DELETE FROM {_t(DataFlag)} WHERE filing_id IN ({filings})", [campaign.pk])  # noqa: S608 (table names from the models; values are parameters)
            cur.execute(f"DELETE FROM {_t(Filing)} WHERE campaign_id = %s", [campaign.pk])  # noqa: S608 (table names from the models; values are parameters)
            campaign.delete()
        cur.execute(f"DELETE FROM {_t(Unit)} WHERE name LIKE %s AND year_listed = %s", [PREFIX + "%", BENCH_YEAR])  # noqa: S608 (table names from the models; values are parameters)
        cur.execute(f"DELETE FROM {_t(Enterprise)} WHERE name LIKE %s AND NOT EXISTS (SELECT 1 FROM {_t(Unit)} u WHERE u.enterprise_id = {_t(Enterprise)}.id)", [PREFIX + "%"])  # noqa: S608 (table names from the models; values are parameters)


def _body(n: int) -> str:
    body = "X"
    for _ in range(8):
        body += ALPHABET[n % 31]
        n //= 31
    return body


def _copy(table_model, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, executemany elsewhere."""
    table = _t(table_model)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            buf = io.StringIO()
            for row in rows:
                buf.write("\t".join(r"\N" if v is None else str(v) for v in row))
                buf.write("\n")
            buf.seek(0)
            cur.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608 (table names from the models; values are parameters)


def build(n: int, seed: int = 4) -> dict:
    """N national green factories, each with an accepted filing and its derived indicators."""
    t0 = time.perf_counter()
    rng = random.Random(seed)
    if not City.objects.exists() or not Industry.objects.exists():
        from django.core.management import call_command

        call_command("loaddata", "cities", "industries", verbosity=0)
    clear()
    campaign = Campaign.objects.create(
        year=BENCH_YEAR, title="benchmark", filing_opens=f"{BENCH_YEAR}-01-15", filing_due=f"{BENCH_YEAR}-03-15",
        city_review_due=f"{BENCH_YEAR}-03-31", province_report_due=f"{BENCH_YEAR}-04-15")
    cities = list(City.objects.values_list("pk", "code"))
    industries = list(Industry.objects.values_list("pk", "code"))
    weights = [40 if code in ("39", "38", "26", "30", "33", "34", "36") else 8 for _pk, code in industries]
    now = timezone.now()
    units = []
    for i in range(n):
        city_pk, city_code = cities[i % len(cities)]
        industry_pk, industry_code = rng.choices(industries, weights)[0]
        units.append(Unit(name=f"{PREFIX}{i:06d}", credit_code=make_code(city_code, _body(i)),
                          kind=UnitKind.FACTORY, level=Level.NATIONAL, year_listed=BENCH_YEAR, city_id=city_pk,
                          industry_id=industry_pk, created_at=now, updated_at=now))
    with transaction.atomic():
        attach_enterprises(units)
        Unit.objects.bulk_create(units, batch_size=5000)
        unit_rows = list(Unit.objects.filter(name__startswith=PREFIX, year_listed=BENCH_YEAR)
                         .values_list("pk", "industry__code"))
        Filing.objects.bulk_create(
            [Filing(campaign=campaign, unit_id=pk, state=FilingState.ACCEPTED, months_reported=12, accepted_at=now,
                    submitted_at=now) for pk, _code in unit_rows], batch_size=5000)
        filing_ids = dict(Filing.objects.filter(campaign=campaign).values_list("unit_id", "pk"))
        inds = indicators_for(UnitKind.FACTORY)
        rows = []
        for unit_pk, industry_code in unit_rows:
            base = ENERGY_INTENSITY.get(industry_code, 80)
            quality = rng.gauss(0, 0.5)
            fid = filing_ids[unit_pk]
            for ind in inds:
                if ind.code not in ("energy_per_output", "co2_per_output") and rng.random() < 0.08:
                    continue  # some factories leave an indicator blank: it does not apply to them
                if ind.is_rate:
                    value = min(100.0, max(0.0, rng.gauss(50 - 10 * quality * ind.direction, 20)))
                else:
                    value = base * math.exp(0.4 * quality * -ind.direction + rng.gauss(0, 0.3)) / 10
                rows.append((fid, ind.code, f"{value:.6f}"))
        _copy(FilingIndicator, ["filing_id", "code", "value"], rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return {"units": n, "indicator_rows": len(rows), "setup_seconds": round(time.perf_counter() - t0, 2)}
