from django.core.management.base import BaseCommand

from reviews.notify import send_pending


class Command(BaseCommand):
    help = "Send the notifications not sent yet (the mail server or the broker was down). Each is sent once."

    def handle(self, *args, **options):
        self.stdout.write(f"notifications sent: {send_pending()}")
