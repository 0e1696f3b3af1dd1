from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "Load cities, industries and the demo data of every app (a registry equal to 附件2 of the seed, "
        "demo accounts, the 2024 campaign). Safe to run again: what exists is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--factories", type=int, default=0,
            help="Also add this many synthetic national green factories, for load and benchmark work.",
        )
        parser.add_argument(
            "--once", action="store_true",
            help="Do nothing if the demo accounts already exist (used by `make run`).",
        )

    def handle(self, *args, factories, once, **options):
        if once and get_user_model().objects.filter(username="province").exists():
            self.stdout.write("demo data already loaded; nothing to do")
            return
        if factories < 0:
            self.stderr.write("--factories must be 0 or more")
            raise SystemExit(2)
        for path in settings.DEMO_SEEDERS:
            import_string(path)(stdout=self.stdout, factories=factories)
        self.stdout.write(self.style.SUCCESS("demo data ready"))
