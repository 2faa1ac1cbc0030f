from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from badges.lifecycle import credential_renew
from badges.models import CredentialSource
from badges.selectors import credential_by_ref
from badges.services import CredentialError
from issuer.permissions import SystemActor

ACTOR = SystemActor("renew_credential")


def aware_datetime(text: str | None, option: str) -> Any:
    """An ISO 8601 date-time with its offset (or Z), else a precise refusal naming the option."""
    if not text:
        return None
    value = parse_datetime(text)
    if value is None or value.tzinfo is None:
        raise CommandError(f"{option} {text!r} is not an ISO 8601 date-time with an offset, like 2030-01-31T00:00Z.")
    return value


class Command(BaseCommand):
    help = "Renew a credential: issue it again with a later end, linked to it (D64). The old one stays valid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", help="Credential UUID or its public URL.")
        parser.add_argument("--valid-until", help="The renewal's end (ISO 8601). Default: one more validity period.")

    def handle(self, *args: Any, **options: Any) -> None:
        credential = credential_by_ref(options["id"])
        if credential is None:
            raise CommandError(f"No credential {options['id']!r}.", returncode=2)
        until = aware_datetime(options["valid_until"], "--valid-until")
        try:
            renewal = credential_renew(
                credential=credential, valid_until=until, actor=ACTOR, source=CredentialSource.COMMAND
            )
        except CredentialError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(f"{credential.public_id}: renewed as {renewal.public_id}")
