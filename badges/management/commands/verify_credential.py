import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from badges.verify import fetch_credential, verify_credential
from verification.errors import InputError, PlatformUnavailable, VerificationError

# Larger than the web endpoints' VERIFY_MAX_BODY_BYTES: a file on the operator's own disk. The structural limits
# (VERIFY_MAX_JSON_*) and the time budget (VERIFY_TIME_BUDGET) apply here as everywhere.
MAX_INPUT = 10 * 1024 * 1024
# 0 valid (the default), 1 invalid, 2 unusable input or usage (CommandError), 3 indeterminate.
EXIT_CODES = {"invalid": 1, "indeterminate": 3}


class Command(BaseCommand):
    help = (
        "Verify an Open Badges 3.0 credential: a file (JSON, compact JWS, baked PNG/SVG), a URL, or - for "
        "standard input. Exit 0 valid, 1 invalid, 2 unusable input or usage, 3 indeterminate (a required check "
        "could not be completed, or the platform could not answer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="PATH, URL or - (standard input).")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument("--recipient", help="E-mail address to check against the credential's recipient.")

    def handle(self, *args: Any, **options: Any) -> None:
        source: str = options["source"]
        try:
            data, filename = self._read(source)
            report = verify_credential(data, recipient=options["recipient"], filename=filename)
        except InputError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        except VerificationError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        except PlatformUnavailable as exc:
            raise CommandError(f"{exc.message} Nothing was decided; try again.", returncode=3) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(f"{report.verdict.upper()} ({report.format})")
            for check in report.checks:
                self.stdout.write(f"  [{check.status:>13}] {check.id}: {check.message}")
        if report.verdict != "valid":
            sys.exit(EXIT_CODES[report.verdict])

    def _read(self, source: str) -> tuple[bytes, str | None]:
        if source == "-":
            data = sys.stdin.buffer.read(MAX_INPUT + 1)
            return data, None
        if source.startswith(("https://", "http://")):
            return fetch_credential(source)
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"No such file: {source}", returncode=2)
        if path.stat().st_size > MAX_INPUT:
            raise CommandError(f"{source} is larger than 10 MB; a credential never is.", returncode=2)
        return path.read_bytes(), path.name
