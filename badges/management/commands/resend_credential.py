from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from badges.lifecycle import credential_resend
from badges.selectors import credential_by_ref
from badges.services import CredentialError
from issuer.permissions import SystemActor

ACTOR = SystemActor("resend_credential")


class Command(BaseCommand):
    help = "Send a credential's award e-mail to the learner again (nothing new is issued; at most 3 times a day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", help="Credential UUID or its public URL.")

    def handle(self, *args: Any, **options: Any) -> None:
        credential = credential_by_ref(options["id"])
        if credential is None:
            raise CommandError(f"No credential {options['id']!r}.", returncode=2)
        try:
            credential_resend(credential=credential, actor=ACTOR)
        except CredentialError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(f"{credential.public_id}: award e-mail queued to {credential.recipient_email}")
