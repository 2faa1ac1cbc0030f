from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from badges.selectors import credential_by_ref
from badges.services import CredentialError, credential_revoke, credential_suspend, credential_unsuspend
from issuer.permissions import SystemActor

ACTOR = SystemActor("revoke_credential")


class Command(BaseCommand):
    help = "Revoke a credential (for good), or suspend / reinstate it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", help="Credential UUID or its public URL.")
        parser.add_argument("--reason", default="", help="Required to revoke.")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--suspend", action="store_true")
        group.add_argument("--unsuspend", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credential = credential_by_ref(options["id"])
        except ValidationError:
            credential = None
        if credential is None:
            raise CommandError(f"No credential {options['id']!r}.", returncode=2)
        try:
            if options["suspend"]:
                credential = credential_suspend(credential=credential, reason=options["reason"], actor=ACTOR)
            elif options["unsuspend"]:
                credential = credential_unsuspend(credential=credential, actor=ACTOR)
            else:
                credential = credential_revoke(
                    credential=credential,
                    reason=options["reason"] or "Revoked by the issuer.",
                    actor=ACTOR,
                )
        except CredentialError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(f"{credential.public_id}: {credential.status}")
