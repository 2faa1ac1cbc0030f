"""CSV exports of awards: the issuer's credentials (the awards list's "Export credentials (CSV)") and, through bulk,
the results of a bulk job. Both describe a credential with the same columns, in the same words, so a spreadsheet
built on one reads the other.

Every cell goes through `safe_cell`: a spreadsheet runs a cell that starts like a formula, and names, e-mail
addresses and reasons are typed by people we do not control. Exports stream: rows are read in batches
(`QuerySet.iterator`) and written as they come, so 100,000 credentials never sit in memory at once.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import IO, Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from badges.models import Credential, credential_state, external_id_of
from issuer.models import Issuer
from issuer.permissions import Action, Actor, authorize

CREDENTIAL_COLUMNS = [
    "email",
    "name",
    "external_id",
    "achievement",
    "status",
    "reason",
    "issued_at",
    "credential_id",
    "public_url",
    "verification_url",
]
# What the export reads of each credential, in this order (credential_cells).
CREDENTIAL_FIELDS = (
    "recipient_email",
    "recipient_name",
    "idempotency_key",
    "achievement__name",
    "status",
    "status_reason",
    "valid_from",
    "valid_until",
    "created_at",
    "uuid",
)
# A credential's state as the export words it: a credential not yet valid has been issued all the same.
STATUS_WORDS = {
    "active": "issued",
    "pending": "issued",
    "expired": "expired",
    "suspended": "suspended",
    "revoked": "revoked",
}
# Rows fetched per database round trip, and written per chunk of the response.
EXPORT_BATCH = 2_000
# OWASP's list: what makes Excel, LibreOffice or Google Sheets read a cell as a formula (tab and CR as well, which
# some of them strip before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The cell's text, with a leading apostrophe when it would otherwise start a formula."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def timestamp(value: datetime | None) -> str:
    """ISO 8601 in UTC, to the second (what a spreadsheet and a script both read)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else ""


class _Echo:
    """A file for csv.writer that hands back each line instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], *, batch: int = EXPORT_BATCH) -> Iterator[bytes]:
    """UTF-8 CSV, the header first, then `batch` rows per chunk: the body of a StreamingHttpResponse."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(header).encode("utf-8")
    lines: list[str] = []
    for row in rows:
        lines.append(writer.writerow([safe_cell(cell) for cell in row]))
        if len(lines) >= batch:
            yield "".join(lines).encode("utf-8")
            lines = []
    if lines:
        yield "".join(lines).encode("utf-8")


def write_csv(file: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """The same CSV as `csv_chunks`, into a text file."""
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])


class CredentialLinks:
    """The id, public page and verification page of credentials, absolute under SITE_URL. Each URL is reversed once
    per export, not once per row."""

    def __init__(self) -> None:
        placeholder = uuid.UUID(int=0)
        self._public = f"{settings.SITE_URL}{reverse('badges:credential', args=[placeholder])}"
        self._verify = f"{settings.SITE_URL}{reverse('badges:verify-credential', args=[placeholder])}"
        self._placeholder = str(placeholder)

    def __call__(self, credential_uuid: uuid.UUID | str | None) -> list[str]:
        """[credential_id, public_url, verification_url]; empty for no credential."""
        if credential_uuid is None:
            return ["", "", ""]
        text = str(credential_uuid)
        return [
            text,
            self._public.replace(self._placeholder, text),
            self._verify.replace(self._placeholder, text),
        ]


def status_and_reason(
    status: str, status_reason: str, valid_from: datetime, valid_until: datetime | None, *, now: datetime
) -> list[str]:
    """[status, reason] of a credential: the stored reason of a revocation or suspension, the date that makes it
    expired or not yet valid."""
    state = credential_state(status, valid_from, valid_until, now=now)
    if state == "expired" and valid_until is not None:
        return [STATUS_WORDS[state], f"expired on {valid_until:%Y-%m-%d}"]
    if state == "pending":
        return [STATUS_WORDS[state], f"not valid before {valid_from:%Y-%m-%d}"]
    return [STATUS_WORDS[state], status_reason]


def credential_cells(values: Sequence[Any], *, links: CredentialLinks, now: datetime) -> list[str]:
    """The CREDENTIAL_COLUMNS of one credential read as CREDENTIAL_FIELDS."""
    email, name, key, achievement, status, reason, valid_from, valid_until, created_at, credential_uuid = values
    return [
        email,
        name,
        external_id_of(key),
        achievement,
        *status_and_reason(status, reason, valid_from, valid_until, now=now),
        timestamp(created_at),
        *links(credential_uuid),
    ]


def credential_export(
    *, issuer: Issuer, actor: Actor, credentials: QuerySet[Credential], now: datetime | None = None
) -> Iterator[list[str]]:
    """The rows of the issuer's credentials among `credentials` (the awards list's filtered queryset), newest first
    as the list shows them, read in batches. Anyone who may see the issuer may export what its list shows. Checked
    here, before the first row is asked for: a refusal must come before a streamed response has started."""
    authorize(actor, issuer, Action.VIEW)
    # Filtered again here: whatever queryset the caller built, another issuer's credentials never leave.
    rows = credentials.filter(issuer=issuer).order_by("-created_at", "-pk").values_list(*CREDENTIAL_FIELDS)
    return _credential_rows(rows.iterator(chunk_size=EXPORT_BATCH), now=now or timezone.now())


def _credential_rows(rows: Iterable[Sequence[Any]], *, now: datetime) -> Iterator[list[str]]:
    links = CredentialLinks()
    for values in rows:
        yield credential_cells(values, links=links, now=now)
