import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from badges.lifecycle import credential_renew, credential_resend
from badges.management.commands.renew_credential import aware_datetime
from badges.models import CredentialSource
from badges.selectors import credential_by_ref
from badges.services import CredentialError
from issuer.permissions import SystemActor

ACTOR = SystemActor("lifecycle_bulk")
MAX_LINES = 10_000


class Command(BaseCommand):
    help = (
        "Renew or resend many credentials: a CSV whose first column holds credential ids (UUIDs or public URLs; a "
        "header row 'id' is skipped). Each line is done on its own and reported; exit 1 when any line failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--action", required=True, choices=["renew", "resend"])
        parser.add_argument("--file", required=True, help="The CSV of credential ids.")
        parser.add_argument("--valid-until", help="renew: the renewals' end (ISO 8601). Default: one more period.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}", returncode=2) from exc
        until = aware_datetime(options["valid_until"], "--valid-until")
        if until is not None and options["action"] != "renew":
            raise CommandError("--valid-until is for --action renew only.", returncode=2)
        rows = list(csv.reader(text.splitlines()))
        if len(rows) > MAX_LINES:
            raise CommandError(f"{path} has {len(rows)} lines; at most {MAX_LINES} at once.", returncode=2)
        done = failed = 0
        for number, row in enumerate(rows, start=1):
            ref = row[0].strip() if row else ""
            if not ref or (number == 1 and ref.lower() == "id"):
                continue
            try:
                outcome = self.one(options["action"], ref, until)
            except CredentialError as exc:
                failed += 1
                self.stdout.write(f"line {number}: {ref}: refused: {exc.message}")
                continue
            done += 1
            self.stdout.write(f"line {number}: {ref}: {outcome}")
        self.stdout.write(f"{done} done, {failed} refused.")
        if failed:
            raise CommandError(f"{failed} line(s) refused; see above.", returncode=1)

    def one(self, action: str, ref: str, until: Any) -> str:
        credential = credential_by_ref(ref)
        if credential is None:
            raise CredentialError(f"No credential {ref!r}.")
        if action == "renew":
            renewal = credential_renew(
                credential=credential, valid_until=until, actor=ACTOR, source=CredentialSource.COMMAND
            )
            return f"renewed as {renewal.public_id}"
        credential_resend(credential=credential, actor=ACTOR)
        return "award e-mail queued"
