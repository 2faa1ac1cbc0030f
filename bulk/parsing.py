"""Reading a bulk-award upload (CSV or JSON lines) into plain rows; nothing here touches the database.

Accepted columns, matched case-insensitively with spaces, hyphens and underscores treated alike:

    email          email, e-mail, email address, e-mail address
    name           name, recipient name
    achievement    achievement
    evidence_url   evidence url, evidence
    evidence_narrative  evidence narrative
    valid_until    valid until, expires
    external_id    external id
    language       language (of the award e-mail: en, de; empty for the issuer's default)
    result         result (the value, level or status of an achievement's one result description)
    result:<name>  result: followed by a result description's name or id, one column for each (D65)
    awarded_date   awarded date, awarded on
    activity_start_date  activity start date, activity start
    activity_end_date    activity end date, activity end
    narrative      narrative
    evidence_name  evidence name, evidence title

A bare `id` is refused on purpose: in a spreadsheet it may be a student number, a row number or a credential
id, and reading it as the award's external id would silently change which rows count as duplicates.

Problems with the file as a whole raise `BulkFileError`; problems with one row (a ragged CSV row) are kept on
that row (`RawRow.errors`) so the rest of the file can still be checked. Both are worded in the active language (the
uploader's); column names are the file's own vocabulary and stay as they are.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Literal

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024

COLUMNS = [
    "email",
    "name",
    "achievement",
    "evidence_url",
    "evidence_narrative",
    "valid_until",
    "external_id",
    "language",
    "result",
    "awarded_date",
    "activity_start_date",
    "activity_end_date",
    "narrative",
    "evidence_name",
]
# `result:<name or id>`: one column per result description of the achievement (D65); the name is kept as written.
RESULT_COLUMN_PREFIX = "result:"
REQUIRED_COLUMNS = ["email"]

_ALIASES = {
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "e mail address": "email",
    "name": "name",
    "recipient name": "name",
    "achievement": "achievement",
    "evidence url": "evidence_url",
    "evidence": "evidence_url",
    "evidence narrative": "evidence_narrative",
    "valid until": "valid_until",
    "expires": "valid_until",
    "external id": "external_id",
    "language": "language",
    "result": "result",
    "awarded date": "awarded_date",
    "awarded on": "awarded_date",
    "activity start date": "activity_start_date",
    "activity start": "activity_start_date",
    "activity end date": "activity_end_date",
    "activity end": "activity_end_date",
    "narrative": "narrative",
    "evidence name": "evidence_name",
    "evidence title": "evidence_name",
}
_RESULT_COLUMN = re.compile(r"\s*result\s*:\s*(\S.*?)\s*$", re.IGNORECASE)
# C0 controls other than TAB, LF and CR: text files do not contain them, binary files are full of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class BulkFileError(ValueError):
    """The upload cannot be read as a bulk-award file; the message says why, in words for the uploader. `field`:
    the upload form's field it is about (the file itself, or the achievement chosen for it)."""

    def __init__(self, message: str, *, field: str = "file") -> None:
        super().__init__(message)
        self.field = field


@dataclass
class RawRow:
    line: int  # 1-based line in the file as a person sees it, the header being line 1
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    format: Literal["csv", "jsonl"]
    encoding: str
    delimiter: str | None
    columns: list[str]
    rows: list[RawRow]


def too_large() -> str:
    """Why a file over MAX_BYTES is refused, in the active language."""
    return gettext("The file is larger than %(size)s MB; split it into smaller files.") % {
        "size": MAX_BYTES // (1024 * 1024)
    }


def _not_text() -> str:
    return gettext("This is not a text file (it contains binary data); upload a CSV or JSON-lines file.")


def _accepted() -> str:
    return ", ".join([*COLUMNS, f"{RESULT_COLUMN_PREFIX}<name>"])


def canonical_column(header: str) -> str | None:
    """The accepted column a header names, or None."""
    named = _RESULT_COLUMN.fullmatch(header)
    if named:
        return RESULT_COLUMN_PREFIX + named.group(1)
    key = re.sub(r"[\s_\-]+", " ", header.strip().lower()).strip()
    return _ALIASES.get(key)


def parse_upload(data: bytes, *, filename: str | None = None) -> ParsedFile:
    if len(data) > MAX_BYTES:
        raise BulkFileError(too_large())
    if not data.strip():
        raise BulkFileError(gettext("The file is empty."))
    if b"\x00" in data:
        raise BulkFileError(_not_text())
    text, encoding = _decode(data)
    if len(_CONTROL.findall(text[:SNIFF_BYTES])) > 0:
        raise BulkFileError(_not_text())
    if _is_jsonl(text, filename):
        return _parse_jsonl(text, encoding)
    return _parse_csv(text, encoding)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Spreadsheets saved by older Excel versions; Latin-1 maps every byte, so this never fails.
        return data.decode("latin-1"), "latin-1"


def _is_jsonl(text: str, filename: str | None) -> bool:
    if filename and filename.lower().endswith((".jsonl", ".ndjson")):
        return True
    return text.lstrip()[:1] == "{"


def _columns(headers: list[str]) -> list[str]:
    columns: list[str] = []
    unknown: list[str] = []
    for header in headers:
        column = canonical_column(header)
        if column is None:
            unknown.append(header.strip() or gettext("(blank)"))
        elif column in columns:
            raise BulkFileError(
                gettext("The column %(column)s appears twice (as %(header)s too).")
                % {"column": repr(column), "header": repr(header.strip())}
            )
        else:
            columns.append(column)
    if unknown:
        raise BulkFileError(
            ngettext(
                "Unknown column: %(unknown)s. Accepted columns: %(accepted)s.",
                "Unknown columns: %(unknown)s. Accepted columns: %(accepted)s.",
                len(unknown),
            )
            % {"unknown": ", ".join(repr(u) for u in unknown), "accepted": _accepted()}
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise BulkFileError(
            gettext("The required column %(column)s is missing. Accepted columns: %(accepted)s.")
            % {"column": repr(missing[0]), "accepted": _accepted()}
        )
    return columns


def _check_count(rows: list[RawRow]) -> None:
    if len(rows) > MAX_ROWS:
        raise BulkFileError(
            gettext("The file has more than %(rows)s rows; split it into smaller files.")
            % {"rows": number_format(MAX_ROWS, force_grouping=True)}
        )


def _sniff_delimiter(text: str) -> str:
    sample = text[:SNIFF_BYTES]
    if len(text) > SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    header = sample.splitlines()[0] if sample.splitlines() else ""
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if delimiter and delimiter in header:
        return delimiter
    # Fallback: the candidate the header line uses most; a one-column file has none, and then it does not matter.
    counts = {candidate: header.count(candidate) for candidate in DELIMITERS}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] else ","


def _parse_csv(text: str, encoding: str) -> ParsedFile:
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[RawRow] = []
    columns: list[str] | None = None
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(value.strip() for value in record):
                continue
            if columns is None:
                columns = _columns(record)
                continue
            values = {column: value.strip() for column, value in zip(columns, record, strict=False)}
            errors = []
            # Trailing empty fields (a spreadsheet's stray delimiters) are harmless; extra content is not.
            if any(value.strip() for value in record[len(columns) :]):
                errors.append(
                    gettext("%(found)s fields but the header has %(expected)s; check the delimiter or quotes")
                    % {"found": len(record), "expected": len(columns)}
                )
            rows.append(RawRow(line=start, values=values, errors=errors))
            _check_count(rows)
    except csv.Error as exc:
        raise BulkFileError(
            gettext("Line %(line)s: the CSV cannot be read (%(reason)s).") % {"line": previous_end + 1, "reason": exc}
        ) from exc
    if columns is None:
        raise BulkFileError(gettext("The file is empty."))
    if not rows:
        raise BulkFileError(gettext("The file has a header but no rows."))
    return ParsedFile(format="csv", encoding=encoding, delimiter=delimiter, columns=columns, rows=rows)


def _parse_jsonl(text: str, encoding: str) -> ParsedFile:
    rows: list[RawRow] = []
    columns: list[str] = []
    known: dict[str, str] = {}  # header as written → column
    # Split on LF only: str.splitlines() also breaks at U+2028 and friends, which JSON strings may contain.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise BulkFileError(
                gettext("Line %(line)s: not valid JSON (%(reason)s).")
                % {"line": number, "reason": exc.args[0].split(":")[0]}
            ) from exc
        if not isinstance(item, dict):
            raise BulkFileError(
                gettext("Line %(line)s: expected a JSON object ({...}), found %(type)s.")
                % {"line": number, "type": type(item).__name__}
            )
        values: dict[str, str] = {}
        errors: list[str] = []
        for key, value in item.items():
            if key not in known:
                column = canonical_column(key)
                if column is None:
                    raise BulkFileError(
                        gettext("Line %(line)s: unknown field %(field)s. Accepted fields: %(accepted)s.")
                        % {"line": number, "field": repr(key), "accepted": _accepted()}
                    )
                known[key] = column
                if column not in columns:
                    columns.append(column)
            column = known[key]
            if value is None:
                values[column] = ""
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                values[column] = str(value).strip()
            else:
                errors.append(
                    gettext("%(field)s must be text, found %(type)s")
                    % {"field": repr(key), "type": type(value).__name__}
                )
        rows.append(RawRow(line=number, values=values, errors=errors))
        _check_count(rows)
    if not rows:
        raise BulkFileError(gettext("The file is empty."))
    if "email" not in columns:
        raise BulkFileError(
            gettext("The required field 'email' is missing. Accepted fields: %(accepted)s.") % {"accepted": _accepted()}
        )
    return ParsedFile(format="jsonl", encoding=encoding, delimiter=None, columns=columns, rows=rows)
