"""Page and export timings at scale: N synthetic factories (default 100,000), measured in-process.

    python bench/pages.py [--factories 100000] [--repeat 20]

Builds the green-code benchmark cohort (units "BENCH-…", campaign 2999, accepted filings, one finished
re-score), then times each page as server time (Django's test client: the whole request through the
middleware, views and templates, no network) and each export with its peak Python memory. Prints one
JSON line per measurement. The synthetic data is removed at the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")
os.environ.setdefault("AXES_ENABLED", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from greencode.services import bench, codes, scoring  # noqa: E402
from registry.enums import MembershipScope  # noqa: E402
from registry.models import City, Membership, Unit, User  # noqa: E402

YEAR = bench.BENCH_YEAR


def _user(username: str, scope: str, **target) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"full_name": username})
    Membership.objects.get_or_create(user=user, scope=scope, **target)
    return user


def _time(client: Client, url: str, repeat: int) -> dict:
    response = client.get(url)  # warms caches and templates
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - t)
    samples.sort()
    return {"median_ms": round(statistics.median(samples) * 1000, 1),
            "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)] * 1000, 1)}


def _export(client: Client, url: str) -> dict:
    tracemalloc.start()
    t = time.perf_counter()
    response = client.get(url)
    size = sum(len(chunk) for chunk in response.streaming_content)
    seconds = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 200, url
    return {"seconds": round(seconds, 2), "file_mb": round(size / 1e6, 2), "peak_python_mb": round(peak / 1e6, 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factories", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--skip-exports", action="store_true")
    args = parser.parse_args()
    meta = {"bench": "pages", "database": connection.vendor, "factories": args.factories}
    bench.build(args.factories)
    run = scoring.run_cohort(YEAR, "national", trigger="bench").run
    province = _user("bench_province", MembershipScope.PROVINCE)
    city = City.objects.get(name="广州市")
    reviewer = _user("bench_gz", MembershipScope.CITY, city=city)
    unit = Unit.objects.filter(name__startswith=bench.PREFIX, city=city).order_by("pk").first()
    enterprise = _user("bench_ent", MembershipScope.UNIT, unit=unit)
    code = codes.apply_for_code(enterprise, unit, YEAR)
    token = codes.sign(code)
    staff, ent, anonymous = Client(), Client(), Client()
    staff.force_login(province, backend="django.contrib.auth.backends.ModelBackend")
    ent.force_login(enterprise, backend="django.contrib.auth.backends.ModelBackend")
    city_client = Client()
    city_client.force_login(reviewer, backend="django.contrib.auth.backends.ModelBackend")
    pages = [
        ("unit list, filtered and sorted (province)", staff, f"/units/?kind=factory&city={city.pk}&sort=-batch&page=3"),
        ("unit list, name search (province)", staff, "/units/?q=BENCH-0999"),
        ("unit list, last page (city reviewer)", city_client, "/units/?page=last"),
        ("province dashboard", staff, f"/reviews/province/?year={YEAR}"),
        ("review list (province)", staff, f"/reviews/review/?year={YEAR}"),
        ("green-code page (enterprise)", ent, f"/code/unit/{unit.pk}/?year={YEAR}"),
        ("verification page (public)", anonymous, f"/code/v/{token}/"),
        ("score list of a run (province)", staff, f"/code/runs/{run.pk}/scores/"),
    ]
    for label, client, url in pages:
        print(json.dumps({**meta, "page": label, "url": url, **_time(client, url, args.repeat)}, ensure_ascii=False),
              flush=True)
    exports = [
        ("city statistics (附件2)", "/stats.xlsx?level=all"),
        ("all scores of a run", f"/code/runs/{run.pk}/export.xlsx"),
        ("review list as shown", f"/reviews/proposals/?year={YEAR}&format=xlsx"),
    ]
    for label, url in [] if args.skip_exports else exports:
        print(json.dumps({**meta, "export": label, "url": url, **_export(staff, url)}, ensure_ascii=False), flush=True)
    if not args.keep:
        User.objects.filter(username__in=["bench_province", "bench_gz", "bench_ent"]).delete()
        bench.clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
