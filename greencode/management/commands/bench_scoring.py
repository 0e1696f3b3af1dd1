import json

from django.core.management.base import BaseCommand
from django.db import connection

from greencode.services import bench, scoring


class Command(BaseCommand):
    help = "Build a synthetic cohort of N factories, time a full re-score, print one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--factories", type=int, default=1000)
        parser.add_argument("--keep", action="store_true", help="keep the synthetic cohort afterwards")

    def handle(self, *args, factories, keep, **options):
        built = bench.build(factories)
        result = scoring.run_cohort(bench.BENCH_YEAR, "national", trigger="bench").run
        line = {"factories": factories, "seconds": result.timings["total"], "database": connection.vendor,
                "phases": {k: v for k, v in result.timings.items() if k != "total"}, "graded": result.graded,
                "indicator_rows": built["indicator_rows"], "setup_seconds": built["setup_seconds"]}
        if not keep:
            bench.clear()
        self.stdout.write(json.dumps(line))
