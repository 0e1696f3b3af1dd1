"""Start signing green codes with a new key; earlier codes keep verifying with the old, still published, key."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from greencode.services import keystore


class Command(BaseCommand):
    help = ("Make a new green-code signing key and sign with it from now on. The previous key stops signing but "
            "stays published, so every code it signed still verifies. --revoke-previous (only if the previous "
            "private key leaked): nothing it signed is trusted any more, offline or online by link; codes can "
            "still be checked by number.")

    def add_arguments(self, parser):
        parser.add_argument("--revoke-previous", action="store_true",
                            help="the previous private key leaked: withdraw trust in everything it signed")

    def handle(self, *args, revoke_previous, **options):
        with translation.override(settings.LANGUAGE_CODE):
            new, previous = keystore.store().rotate(revoke_previous=revoke_previous)
            lines = [_("New signing key: %(kid)s (signs from %(since)s).") % {"kid": new.kid, "since": new.valid_from}]
            for key in previous:
                if revoke_previous:
                    lines.append(_("The previous key %(kid)s is revoked: links it signed now show as not genuine; "
                                   "check those codes by number.") % {"kid": key.kid})
                else:
                    lines.append(_("The previous key %(kid)s no longer signs but stays published: codes it signed "
                                   "still verify.") % {"kid": key.kid})
            self.stdout.write("\n".join(lines))
