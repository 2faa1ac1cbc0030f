from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from issuer.models import Issuer, KeyAlgorithm, KeyPurpose
from issuer.permissions import SystemActor
from issuer.services import IssuerError, issuer_key_rotate


class Command(BaseCommand):
    help = "Replace an issuer's active signing key; the old key stays in the DID document (retired)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", required=True, help="Issuer slug.")
        parser.add_argument("--purpose", choices=KeyPurpose.values, default=KeyPurpose.DATA_INTEGRITY)
        parser.add_argument("--algorithm", choices=KeyAlgorithm.values, help="Default: the current key's algorithm.")

    def handle(self, *args: Any, **options: Any) -> None:
        issuer = Issuer.objects.filter(slug=options["issuer"]).first()
        if issuer is None:
            raise CommandError(f"No issuer with slug {options['issuer']!r}.", returncode=2)
        try:
            key = issuer_key_rotate(
                issuer=issuer,
                purpose=options["purpose"],
                algorithm=options["algorithm"],
                actor=SystemActor("rotate_key"),
            )
        except IssuerError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(f"Active {key.purpose} key for {issuer.slug}: {key.verification_method_id} ({key.algorithm})")
