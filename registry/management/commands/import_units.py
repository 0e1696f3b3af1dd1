from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.importer import import_units


class Command(BaseCommand):
    help = "Import listed units from an .xlsx file (the template's columns). All or nothing; idempotent by credit code."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate only; save nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        with file.open("rb") as fh:
            report = import_units(fh, actor=None, filename=file.name, dry_run=dry_run)
        if report.file_error:
            raise CommandError(report.file_error)
        if report.errors:
            for e in report.errors:
                self.stderr.write(f"row {e.row} · {e.column or '-'} · {e.message}")
            raise CommandError(f"{len(report.errors)} problems found; nothing was saved.")
        if dry_run:
            self.stdout.write("the file is valid; nothing was saved (--dry-run)")
            return
        self.stdout.write(
            self.style.SUCCESS(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
        )
