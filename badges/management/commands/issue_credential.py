from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from badges.selectors import achievement_for_issuer
from badges.services import AwardRequest, CredentialError, credential_issue
from issuer.models import Issuer
from issuer.permissions import SystemActor


class Command(BaseCommand):
    help = "Award one credential and write it (JSON, or the compact JWS with --format jwt); prints its public URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", required=True, help="Issuer slug.")
        parser.add_argument("--achievement", required=True, help="Achievement id, UUID or slug.")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--format", choices=["ldp", "jwt"], default="ldp")
        parser.add_argument("--out", help="File to write; default: standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        issuer = Issuer.objects.filter(slug=options["issuer"]).first()
        if issuer is None:
            raise CommandError(f"No issuer with slug {options['issuer']!r}.", returncode=2)
        achievement = achievement_for_issuer(issuer=issuer, ref=options["achievement"])
        if achievement is None:
            raise CommandError(
                f"Issuer {issuer.slug!r} has no achievement {options['achievement']!r} (id, UUID or slug).",
                returncode=2,
            )
        try:
            credential = credential_issue(
                request=AwardRequest(
                    achievement=achievement, email=options["email"], name=options["name"], format=options["format"]
                ),
                source="command",
                actor=SystemActor("issue_credential"),
                notify=False,
            )
        except CredentialError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        output = credential.jws if options["format"] == "jwt" else credential.document
        if options["out"]:
            Path(options["out"]).write_text(output + "\n", encoding="utf-8")
            self.stderr.write(f"Wrote {options['out']}")
        else:
            self.stdout.write(output)
        self.stderr.write(credential.public_id)
