from django.core.management.base import BaseCommand

from reviews.services.reminders import send_reminders


class Command(BaseCommand):
    help = "Email the reminders due today, before and after each campaign deadline. Each is sent once."

    def handle(self, *args, **options):
        self.stdout.write(f"reminders sent: {send_reminders()}")
