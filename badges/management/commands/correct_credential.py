from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from badges.lifecycle import credential_correct
from badges.models import CredentialSource
from badges.selectors import achievement_for_issuer, credential_by_ref
from badges.services import CredentialError
from issuer.permissions import SystemActor

ACTOR = SystemActor("correct_credential")


class Command(BaseCommand):
    help = (
        "Correct a credential: issue a replacement with the corrected name or achievement (its current version) and "
        "revoke the old one as superseded by it (D64)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", help="Credential UUID or its public URL.")
        parser.add_argument("--name", help="The recipient's name as it should read; an empty string: no name.")
        parser.add_argument("--achievement", help="Id, UUID or slug of the issuer's achievement to name instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        credential = credential_by_ref(options["id"])
        if credential is None:
            raise CommandError(f"No credential {options['id']!r}.", returncode=2)
        achievement = None
        if options["achievement"]:
            achievement = achievement_for_issuer(issuer=credential.issuer, ref=options["achievement"])
            if achievement is None:
                raise CommandError(
                    f"{credential.issuer.slug} has no achievement {options['achievement']!r}.", returncode=2
                )
        try:
            correction = credential_correct(
                credential=credential,
                name=options["name"],
                achievement=achievement,
                actor=ACTOR,
                source=CredentialSource.COMMAND,
            )
        except CredentialError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(f"{credential.public_id}: corrected as {correction.public_id}; the old one is revoked")
