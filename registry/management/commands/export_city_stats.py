from pathlib import Path

from django.core.management.base import BaseCommand

from registry.enums import Level
from registry.exports import city_stats_sheet
from registry.xlsx import write_workbook


class Command(BaseCommand):
    help = "Write the per-city statistics table (附件2 layout, the seed's city order) to an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--level", choices=[*Level.values, "all"], default=Level.NATIONAL)

    def handle(self, *args, output: Path, level: str, **options):
        write_workbook(output, [city_stats_sheet(None if level == "all" else level)])
        self.stdout.write(self.style.SUCCESS(f"wrote {output}"))
