"""Checking every row of a parsed bulk-award file against the issuer's achievements and earlier awards.

The result is a preview: rows that would be awarded and rows that would not, each with its reasons in plain words,
in the active language (the uploader's: they are stored with the job as that person read them). Nothing is written. The database is read in a constant number of queries per 1,000 rows, never per row, so a
file of 100,000 rows is checked in seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from badges import documents
from badges import results as award_results
from badges.models import EXTERNAL_ID_PREFIX, Achievement, Credential, CredentialStatus
from badges.selectors import is_numeric_id
from bulk.parsing import RESULT_COLUMN_PREFIX, ParsedFile
from issuer.models import Issuer

BATCH_SIZE = 1_000
# CharFields: their max_length is always set.
KEY_MAX_LENGTH = cast(int, Credential._meta.get_field("idempotency_key").max_length)
NAME_MAX_LENGTH = cast(int, Credential._meta.get_field("recipient_name").max_length)
NARRATIVE_MAX_LENGTH = 10_000
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass
class ValidRow:
    line: int
    email: str  # normalized
    name: str
    achievement: Achievement
    evidence: list[dict[str, Any]]
    valid_until: datetime | None
    external_id: str
    idempotency_key: str
    language: str = ""  # of the award e-mail (D52); "" for the issuer's default
    # D65: results as the award service takes them (each naming its description by id), dates, narrative.
    results: list[dict[str, Any]] = field(default_factory=list)
    awarded_date: datetime | None = None
    activity_start_date: datetime | None = None
    activity_end_date: datetime | None = None
    narrative: str = ""


@dataclass
class InvalidRow:
    line: int
    reasons: list[str]

    def describe(self) -> str:
        """One line for the uploader, e.g. "line 7: 'bob@' is not a valid e-mail address"."""
        return gettext("line %(line)s: %(reasons)s") % {"line": self.line, "reasons": "; ".join(self.reasons)}


@dataclass
class Preview:
    total: int
    valid: list[ValidRow] = field(default_factory=list)
    invalid: list[InvalidRow] = field(default_factory=list)


def idempotency_key_for(*, external_id: str, achievement: Achievement, email: str) -> str:
    """The key a bulk row is awarded under: re-running the same file never awards twice."""
    if external_id:
        return f"{EXTERNAL_ID_PREFIX}{external_id}"
    return f"bulk:{achievement.pk}:{email}"


def validate_rows(
    *, issuer: Issuer, parsed: ParsedFile, achievement: Achievement | None = None, now: datetime | None = None
) -> Preview:
    """Check every row. With `achievement`, rows may leave the achievement blank (or must name that one);
    without it, every row names its own achievement by id, UUID or slug."""
    now = now or timezone.now()
    if achievement is not None and achievement.issuer_id != issuer.pk:
        raise ValueError(gettext("The achievement belongs to another issuer."))
    if achievement is None and "achievement" not in parsed.columns:
        raise ValueError(gettext("The file has no 'achievement' column; choose the achievement to award."))
    refs = {row.values.get("achievement", "") for row in parsed.rows} - {""}
    achievements = _achievements_by_ref(issuer=issuer, refs=refs)

    candidates: list[ValidRow] = []
    descriptions: dict[int, list[dict[str, Any]]] = {}  # by achievement: built once per file, not per row
    reasons_by_line: dict[int, list[str]] = {}
    first_line: dict[tuple[str, ...], int] = {}
    for row in parsed.rows:
        reasons = list(row.errors)
        values = row.values
        email, email_ok = _email(values.get("email", ""), reasons)
        chosen = _achievement(values.get("achievement", ""), achievement, achievements, reasons)
        name = values.get("name", "")
        if len(name) > NAME_MAX_LENGTH:
            reasons.append(gettext("name is longer than %(max)s characters") % {"max": NAME_MAX_LENGTH})
        evidence = _evidence(
            values.get("evidence_url", ""),
            values.get("evidence_narrative", ""),
            values.get("evidence_name", ""),
            reasons,
        )
        valid_until = _valid_until(values.get("valid_until", ""), now, reasons)
        external_id = values.get("external_id", "")
        language = _language(values.get("language", ""), reasons)
        results = _results(values, chosen, descriptions, reasons)
        awarded_date = _moment(values, "awarded_date", reasons)
        start = _moment(values, "activity_start_date", reasons)
        end = _moment(values, "activity_end_date", reasons)
        if awarded_date is not None and awarded_date > now:
            reasons.append(gettext("awarded_date %(value)s is in the future") % {"value": values["awarded_date"]})
        if start is not None and end is not None and end < start:
            reasons.append(gettext("activity_end_date is before activity_start_date"))
        narrative = values.get("narrative", "")
        if len(narrative) > NARRATIVE_MAX_LENGTH:
            reasons.append(gettext("narrative is longer than %(max)s characters") % {"max": NARRATIVE_MAX_LENGTH})

        # Duplicates are found among all rows, valid or not: fixing line 3 must not make line 9 a second award.
        identity: tuple[str, ...] | None = None
        if external_id:
            identity = ("ext", external_id)
        elif email_ok and chosen is not None:
            identity = ("award", str(chosen.pk), email)
        if identity is not None:
            if identity in first_line:
                reasons.append(gettext("duplicate of line %(line)s in this file") % {"line": first_line[identity]})
            else:
                first_line[identity] = row.line

        key = ""
        if chosen is not None and email_ok:
            key = idempotency_key_for(external_id=external_id, achievement=chosen, email=email)
            if len(key) > KEY_MAX_LENGTH:
                reasons.append(
                    gettext("external_id is too long")
                    if external_id
                    else gettext("e-mail address is too long for a bulk award")
                )
        if reasons:
            reasons_by_line[row.line] = reasons
            continue
        assert chosen is not None
        candidates.append(
            ValidRow(
                line=row.line,
                email=email,
                name=name,
                achievement=chosen,
                evidence=evidence,
                valid_until=valid_until,
                external_id=external_id,
                idempotency_key=key,
                language=language,
                results=results,
                awarded_date=awarded_date,
                activity_start_date=start,
                activity_end_date=end,
                narrative=narrative,
            )
        )

    awarded = _already_awarded(issuer=issuer, rows=candidates, now=now)
    preview = Preview(total=len(parsed.rows))
    for candidate in candidates:
        public_id = awarded.get(candidate.line)
        if public_id:
            reasons_by_line[candidate.line] = [
                gettext("already awarded (credential %(credential)s)") % {"credential": public_id}
            ]
        else:
            preview.valid.append(candidate)
    preview.invalid = [InvalidRow(line=line, reasons=reasons) for line, reasons in sorted(reasons_by_line.items())]
    return preview


def _batches(items: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(items)
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def _achievements_by_ref(*, issuer: Issuer, refs: set[str]) -> dict[str, Achievement]:
    """Resolve references as `selectors.achievement_for_issuer` does (a number: id first, then slug; a UUID: uuid
    only; else slug), in a few queries for any number of distinct references."""
    numbers = {int(ref) for ref in refs if is_numeric_id(ref)}
    uuids = set()
    slugs = set()
    for ref in refs:
        try:
            uuids.add(uuid.UUID(ref))
        except ValueError:
            slugs.add(ref)
    by_pk: dict[int, Achievement] = {}
    by_uuid: dict[uuid.UUID, Achievement] = {}
    by_slug: dict[str, Achievement] = {}
    found: Achievement | None  # both loops below use the name
    lookups: list[tuple[str, list[Any]]] = [
        ("pk__in", list(numbers)),
        ("uuid__in", list(uuids)),
        ("slug__in", list(slugs)),
    ]
    for lookup, values in lookups:
        for batch in _batches(values):
            for found in Achievement.objects.filter(issuer=issuer, **{lookup: batch}):
                by_pk[found.pk] = by_uuid[found.uuid] = by_slug[found.slug] = found
    resolved: dict[str, Achievement] = {}
    for ref in refs:
        found = by_pk.get(int(ref)) if is_numeric_id(ref) else None
        if found is None:
            try:
                found = by_uuid.get(uuid.UUID(ref))
            except ValueError:
                found = by_slug.get(ref)
        if found is not None:
            resolved[ref] = found
    return resolved


def _email(raw: str, reasons: list[str]) -> tuple[str, bool]:
    if not raw:
        reasons.append(gettext("the e-mail address is missing"))
        return "", False
    email = documents.normalize_email(raw)
    try:
        validate_email(email)
    except ValidationError:
        reasons.append(gettext("%(email)s is not a valid e-mail address") % {"email": repr(raw)})
        return email, False
    return email, True


def _achievement(
    ref: str, given: Achievement | None, achievements: dict[str, Achievement], reasons: list[str]
) -> Achievement | None:
    found: Achievement | None
    if given is not None:
        if ref and achievements.get(ref) != given:
            reasons.append(
                gettext("achievement %(given)s does not match the chosen achievement %(chosen)s")
                % {"given": repr(ref), "chosen": repr(given.slug)}
            )
            return None
        found = given
    elif not ref:
        reasons.append(gettext("the achievement is missing"))
        return None
    else:
        found = achievements.get(ref)
        if found is None:
            reasons.append(gettext("unknown achievement %(achievement)s") % {"achievement": repr(ref)})
            return None
    if found.archived:
        reasons.append(gettext("achievement %(achievement)s is archived") % {"achievement": repr(found.slug)})
        return None
    return found


def _results(
    values: dict[str, str],
    achievement: Achievement | None,
    known: dict[int, list[dict[str, Any]]],
    reasons: list[str],
) -> list[dict[str, Any]]:
    """The row's results: `result` answers the achievement's one result description, `result:<name or id>` the
    one it names. Each is checked as the award service checks it; a refusal names its column."""
    columns = [(c, v) for c, v in values.items() if (c == "result" or c.startswith(RESULT_COLUMN_PREFIX)) and v]
    if not columns or achievement is None:
        return []
    if achievement.pk not in known:
        known[achievement.pk] = award_results.described(achievement)
    descriptions = known[achievement.pk]
    out: list[dict[str, Any]] = []
    answered: set[int] = set()
    for column, value in columns:
        if column == "result":
            if len(descriptions) != 1:
                reasons.append(
                    gettext(
                        "result: the achievement %(achievement)s has %(count)s result descriptions; give each in a "
                        "column result:<name>"
                    )
                    % {"achievement": repr(achievement.slug), "count": len(descriptions)}
                )
                continue
            position = 0
        else:
            ref = column[len(RESULT_COLUMN_PREFIX) :]
            found = award_results.find_description(descriptions, ref)
            if found is None:
                reasons.append(
                    gettext("%(column)s: the achievement %(achievement)s has no result description %(ref)s")
                    % {"column": column, "achievement": repr(achievement.slug), "ref": repr(ref)}
                )
                continue
            position = found
        description = descriptions[position]
        if position in answered:
            reasons.append(gettext("%(column)s: the result is given twice") % {"column": column})
            continue
        answered.add(position)
        member = "status" if description["resultType"] == "Status" else "value"
        item = {"result_description": description["id"], member: value}
        try:
            award_results.check_results(achievement, [item], descriptions=descriptions)
        except award_results.ResultError as exc:
            reasons.append(gettext("%(column)s: %(reason)s") % {"column": column, "reason": exc.message})
            continue
        out.append(item)
    return out


def _moment(values: dict[str, str], column: str, reasons: list[str]) -> datetime | None:
    """An ISO 8601 date (its start, UTC) or date-time (UTC when no offset is given)."""
    raw = values.get(column, "")
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time.min, tzinfo=UTC)
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        reasons.append(
            gettext("%(column)s %(value)s is not an ISO 8601 date or date-time")
            % {"column": column, "value": repr(raw)}
        )
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _evidence(url: str, narrative: str, name: str, reasons: list[str]) -> list[dict[str, Any]]:
    item: dict[str, Any] = {}
    if url:
        try:
            _url_validator(url)
        except ValidationError:
            reasons.append(gettext("evidence URL %(url)s is not an http(s) URL") % {"url": repr(url)})
        else:
            item["id"] = url
    if narrative:
        item["narrative"] = narrative
    if name:
        item["name"] = name
    return [item] if item else []


def _language(raw: str, reasons: list[str]) -> str:
    """The award e-mail's language: one of settings.LANGUAGES by its code, or empty."""
    value = raw.strip().lower()
    codes = [code for code, _name in settings.LANGUAGES]
    if value and value not in codes:
        reasons.append(
            gettext("language %(value)s is not offered; expected one of %(codes)s, or empty")
            % {"value": repr(raw), "codes": ", ".join(codes)}
        )
        return ""
    return value


def _valid_until(raw: str, now: datetime, reasons: list[str]) -> datetime | None:
    """An ISO 8601 date (valid to the end of that day, UTC) or date-time (UTC when no offset is given)."""
    if not raw:
        return None
    try:
        value = datetime.combine(date.fromisoformat(raw), time.max, tzinfo=UTC)
    except ValueError:
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            reasons.append(gettext("valid_until %(value)s is not an ISO 8601 date or date-time") % {"value": repr(raw)})
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    if value <= now:
        reasons.append(gettext("valid_until %(value)s is in the past") % {"value": raw})
        return None
    return value


def _already_awarded(*, issuer: Issuer, rows: list[ValidRow], now: datetime) -> dict[int, str]:
    """Line → public id of an earlier credential that makes the row a repeat: the same idempotency key, or (rows
    without external_id) an active, unexpired credential of the same achievement to the same address."""
    found: dict[int, str] = {}
    # Keyed like the column (nullable), which the lookup below answers with.
    by_key: dict[str | None, int] = {row.idempotency_key: row.line for row in rows}
    for batch in _batches(by_key):
        existing = Credential.objects.filter(issuer=issuer, idempotency_key__in=batch)
        for key, credential_uuid in existing.values_list("idempotency_key", "uuid"):
            found[by_key[key]] = _public_id(credential_uuid)
    by_award = {(row.achievement.pk, row.email): row.line for row in rows if not row.external_id}
    emails = sorted({email for _, email in by_award})
    achievement_ids = sorted({pk for pk, _ in by_award})
    for batch in _batches(emails):
        existing = Credential.objects.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=now),
            issuer=issuer,
            status=CredentialStatus.ACTIVE,
            achievement_id__in=achievement_ids,
            recipient_email__in=batch,
        )
        for achievement_id, email, credential_uuid in existing.values_list("achievement_id", "recipient_email", "uuid"):
            line = by_award.get((achievement_id, email))
            if line is not None:
                found.setdefault(line, _public_id(credential_uuid))
    return found


def _public_id(credential_uuid: uuid.UUID) -> str:
    return f"{settings.SITE_URL}/credentials/{credential_uuid}"
