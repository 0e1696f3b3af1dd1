"""`make bench`: every benchmark, on the configured database (DATABASE_URL), one JSON line per figure.

    python bench/run.py [--only pandas,scoring,pages,imports,load,bombs,review] [--sizes 1000,10000,100000]
                        [--pandas 100000] [--pages 100000] [--filings 10000]

- pandas:  the portal's re-score against an analyst's pandas pipeline of the same method, on one cohort
           (bench/versus_pandas.py: identical grades first, then both times and portal ÷ pandas);
- scoring: the full green-code re-score at each size (`manage.py bench_scoring`);
- pages:   unit list with filters, province dashboard, code page, verification page, …: median and p95
           server time over repeated requests, and the streaming exports with their peak memory;
- imports: N filings uploaded in one .xlsx, parsed and applied all-or-nothing;
- load:    the app under gunicorn with concurrent clients on loopback (throughput, median, p95);
- review:  a city's queue of clean filings walked as the review page lets a person do it: actions per filing;
- bombs:   hostile .xlsx files (20M shared strings, no <dimension>, a huge sheet, many sheets, XML entities)
           through every upload path (peak RSS, seconds), then /healthz while four of them upload at once.
Point DATABASE_URL at a database made for benchmarks: the synthetic data is removed afterwards, but the
load run logs in with the demo accounts (`seed_demo`).
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def run(args: list[str]) -> int:
    return subprocess.run([PY, *args], cwd=ROOT, env=dict(os.environ), check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="pandas,scoring,pages,imports,load,bombs,review")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--pandas", type=int, default=100000, help="factories for portal versus pandas")
    parser.add_argument("--pages", type=int, default=100000, help="factories for the page and export timings")
    parser.add_argument("--filings", type=int, default=10000)
    args = parser.parse_args()
    wanted = {w.strip() for w in args.only.split(",")}
    status = 0
    if "pandas" in wanted:
        status |= run([str(ROOT / "bench" / "versus_pandas.py"), "--factories", str(args.pandas), "--rounds", "2"])
    if "scoring" in wanted:
        for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
            status |= run([str(ROOT / "manage.py"), "bench_scoring", "--factories", str(n)])
    if "pages" in wanted:
        status |= run([str(ROOT / "bench" / "pages.py"), "--factories", str(args.pages)])
    if "imports" in wanted:
        status |= run([str(ROOT / "bench" / "imports.py"), "--filings", str(args.filings)])
    if "load" in wanted:
        status |= run([str(ROOT / "manage.py"), "seed_demo", "--once"])
        status |= run([str(ROOT / "bench" / "load.py")])
    if "bombs" in wanted:
        status |= run([str(ROOT / "bench" / "bombs.py")])
    if "review" in wanted:
        status |= run([str(ROOT / "bench" / "review_queue.py"), "--filings", "20"])
    return status


if __name__ == "__main__":
    sys.exit(main())
