from django.core.management.base import BaseCommand, CommandError

from greencode.services import queue, scoring


class Command(BaseCommand):
    help = "Score a green-code cohort now (--year Y [--level national|provincial]), or queue every due cohort (--due)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--level", choices=["national", "provincial"], default="national")
        parser.add_argument("--due", action="store_true",
                            help="queue every cohort with an accepted filing newer than its last finished run")

    def handle(self, *args, year, level, due, **options):
        if due:
            queued = queue.sweep_due()
            self.stdout.write("due: " + (", ".join(f"{y} {lv}" for y, lv in queued) or "none"))
            return
        if year is None:
            raise CommandError("give --year (and optionally --level), or --due")
        try:
            result = scoring.run_cohort(year, level, trigger="command")
        except scoring.ScoringError as exc:
            raise CommandError(str(exc))
        self.stdout.write(result.summary())
