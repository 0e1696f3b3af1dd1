"""Check the evidence files against their stored bytes: after a restore, or nightly after the backup.

Prints one JSON line: {"rows": N, "missing": [ids of rows whose bytes are gone], "orphans": N}. Exits 1 when a
row's bytes are missing (restore them from the backup of the same night). `--delete-orphans` removes stored files
no row points at (left by an upload whose transaction was rolled back, or bytes newer than a restored database).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from reviews.evidence import stored_names
from reviews.models import EvidenceFile


class Command(BaseCommand):
    help = "Check evidence files against the storage (missing bytes, orphaned files)."

    def add_arguments(self, parser):
        parser.add_argument("--delete-orphans", action="store_true", help="delete stored files that no row points at")

    def handle(self, *args, **options):
        storage = EvidenceFile.file.field.storage
        known = dict(EvidenceFile.objects.values_list("file", "pk"))
        stored = set(stored_names(storage))
        missing = sorted(pk for name, pk in known.items() if name not in stored)
        orphans = sorted(stored - set(known))
        if options["delete_orphans"]:
            for name in orphans:
                storage.delete(name)
        self.stdout.write(json.dumps({"rows": len(known), "missing": missing, "orphans": len(orphans),
                                      "deleted": len(orphans) if options["delete_orphans"] else 0}))
        if missing:
            raise CommandError(f"{len(missing)} evidence file(s) have no stored bytes: restore them from the backup.")
