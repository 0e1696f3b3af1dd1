from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.xlsx import write_workbook
from reviews.exports import adjustment_sheet, summary_proposals
from reviews.models import Campaign


class Command(BaseCommand):
    help = "Write the dynamic-adjustment summary (approved removals, renames, rectifications) of a year to .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", type=Path, required=True)

    def handle(self, *args, year: int, output: Path, **options):
        if not Campaign.objects.filter(year=year).exists():
            raise CommandError(f"no campaign for {year}")
        proposals = summary_proposals(year)
        n = proposals.count()
        write_workbook(output, [adjustment_sheet(proposals, year)])
        self.stdout.write(self.style.SUCCESS(f"wrote {output}: {n} adjustment(s) of {year}"))
