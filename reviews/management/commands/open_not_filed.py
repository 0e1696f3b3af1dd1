from django.core.management.base import BaseCommand, CommandError

from reviews.models import Campaign
from reviews.services.review import ReviewError, open_not_filed_proposals


class Command(BaseCommand):
    help = ("Open a default remove (did not file) proposal for every listed unit without a submitted filing, "
            "once the city deadline has passed. Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="campaign year (default: the current campaign)")
        parser.add_argument("--force", action="store_true", help="run even before the city deadline")

    def handle(self, *args, year=None, force=False, **options):
        campaign = Campaign.objects.filter(year=year).first() if year else Campaign.current()
        if campaign is None:
            raise CommandError("no such campaign")
        try:
            n = open_not_filed_proposals(campaign, force=force)
        except ReviewError as exc:
            raise CommandError(str(exc))
        self.stdout.write(f"{campaign.year}: {n} default proposal(s) opened")
