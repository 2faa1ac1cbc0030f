"""The rules of the W3C Verifiable Credentials Data Model 2.0 that can be checked on a document alone
(docs/decisions.md D59; docs/conformance.md lists each rule and its test).

One function, `data_model_problems`, says what breaks them, each problem with the JSON path of the member at fault.
It is applied twice: before anything is signed (`require_conformance`: the platform signs only what conforms, with
an error naming the field) and by the verifier (the `data_model` check: a credential that breaks them is invalid,
whatever its signature). Credentials on the VCDM 1.1 context are held to 1.1's few document rules instead (the
verifier accepts them for verification only).

What needs more than the document (that every type is defined by a context, that a `relatedResource` digest
matches the resource) is out of reach here: the JSON-LD layer checks the first in safe mode; the second would need a
fetch, so only the digests' form is checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from verification.errors import VerificationError
from verification.schema import evaluate_schema

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
# XML Schema dateTimeStamp as VCDM 2.0 §4.9 asks for validFrom / validUntil: a date-time with its time zone.
DATE_TIME_STAMP = re.compile(
    r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$"
)
# VCDM 1.1 §4.6: issuanceDate is an XML Schema dateTime (time zone optional).
DATE_TIME = re.compile(
    r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$"
)
# Subresource Integrity (VCDM 2.0 §5.3 relatedResource): one or more "sha256-…"/"sha384-…"/"sha512-…" in base64.
DIGEST_SRI = re.compile(
    r"^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}( +(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2})*$"
)
# A multibase value in base64url ("u") or base58btc ("z").
DIGEST_MULTIBASE = re.compile(r"^(u[A-Za-z0-9_-]+|z[1-9A-HJ-NP-Za-km-z]+)$")
# The members whose every value must be an object with a type (VCDM 2.0 §4.10–§5.6), by name.
TYPED_MEMBERS = ("credentialStatus", "credentialSchema", "refreshService", "termsOfUse", "evidence", "renderMethod")
MAX_PROBLEMS = 20
# Credentials the OB 3.0 JSON Schema describes: signed only when they also conform to it.
BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential", "EndorsementCredential")


@dataclass(frozen=True)
class Problem:
    path: str  # "credentialSubject", "evidence[1].type"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DataModelError(VerificationError):
    """The document breaks the data model's rules: nothing was signed. `problems` names each, `field` the first."""

    def __init__(self, problems: list[Problem]) -> None:
        listed = "; ".join(str(problem) for problem in problems[:5])
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(
            f"The credential breaks the Verifiable Credentials Data Model: {listed}{more}.", code="data_model"
        )
        self.problems = problems
        self.field = problems[0].path if problems else ""


def is_url(value: object) -> bool:
    """An absolute URL (a scheme and something after it: https://…, urn:uuid:…, did:…)."""
    if not isinstance(value, str) or not value or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme or "")) and bool(
        parts.netloc or parts.path or parts.query
    )


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _path(base: str, index: int | None, many: bool) -> str:
    return f"{base}[{index}]" if many and index is not None else base


def _types(value: Any) -> list[Any] | None:
    """The `type` values as a list, or None when the member is not a string or a list of strings."""
    items = _items(value)
    if not items or not all(isinstance(item, str) and item for item in items):
        return None
    return items


def _date_time_stamp(value: object) -> datetime | None:
    if not isinstance(value, str) or not DATE_TIME_STAMP.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:  # a form Python cannot read (a year past 9999, a leap second): the pattern held
        return None


def _language_values(value: Any, path: str) -> Iterator[Problem]:
    """name / description: a string, a language value object, or a list of them (VCDM 2.0 §4.4, §11.1)."""
    for index, item in enumerate(_items(value)):
        where = _path(path, index, isinstance(value, list))
        if isinstance(item, str):
            continue
        if isinstance(item, dict) and isinstance(item.get("@value"), str):
            if "@language" in item and not isinstance(item["@language"], str):
                yield Problem(f"{where}.@language", "must be a language tag (a string)")
            if "@direction" in item and item["@direction"] not in ("ltr", "rtl"):
                yield Problem(f"{where}.@direction", 'must be "ltr" or "rtl"')
            continue
        yield Problem(where, "must be a string or an object with a string @value")


def _context_problems(document: dict[str, Any]) -> Iterator[Problem]:
    context = document.get("@context")
    if context is None:
        yield Problem("@context", "is missing")
        return
    if not isinstance(context, list) or not context:
        yield Problem("@context", f"must be an ordered list whose first item is {VC_V2}")
        return
    if context[0] not in (VC_V2, VC_V1):
        yield Problem("@context[0]", f"must be {VC_V2}")
    for index, item in enumerate(context[1:], start=1):
        if isinstance(item, str):
            if not is_url(item):
                yield Problem(f"@context[{index}]", "must be a URL or an object")
        elif not isinstance(item, dict):
            yield Problem(f"@context[{index}]", "must be a URL or an object")


def _typed_member_problems(document: dict[str, Any], name: str) -> Iterator[Problem]:
    value = document[name]
    many = isinstance(value, list)
    if many and not value:
        yield Problem(name, "must not be an empty list")
    for index, item in enumerate(_items(value)):
        where = _path(name, index, many)
        if not isinstance(item, dict):
            yield Problem(where, "must be an object")
            continue
        if "type" not in item:
            yield Problem(f"{where}.type", "is missing")
        elif _types(item["type"]) is None:
            yield Problem(f"{where}.type", "must be a string or a list of strings")
        if "id" in item and not is_url(item["id"]):
            yield Problem(f"{where}.id", "must be a URL")
        if name == "credentialSchema" and "id" not in item:
            yield Problem(f"{where}.id", "is missing")


def _related_resource_problems(value: Any) -> Iterator[Problem]:
    many = isinstance(value, list)
    seen: set[str] = set()
    for index, item in enumerate(_items(value)):
        where = _path("relatedResource", index, many)
        if not isinstance(item, dict):
            yield Problem(where, "must be an object")
            continue
        identifier = item.get("id")
        if not isinstance(identifier, str) or not is_url(identifier):
            yield Problem(f"{where}.id", "is missing or not a URL")
        elif identifier in seen:
            yield Problem(f"{where}.id", f"{identifier} is listed twice")
        else:
            seen.add(identifier)
        sri, multibase = item.get("digestSRI"), item.get("digestMultibase")
        if sri is None and multibase is None:
            yield Problem(where, "needs a digestSRI or a digestMultibase")
        if sri is not None and not (isinstance(sri, str) and DIGEST_SRI.match(sri)):
            yield Problem(f"{where}.digestSRI", "must be a Subresource Integrity value such as sha384-…")
        if multibase is not None and not (isinstance(multibase, str) and DIGEST_MULTIBASE.match(multibase)):
            yield Problem(f"{where}.digestMultibase", "must be a multibase value (u… or z…)")


def _subject_problems(document: dict[str, Any]) -> Iterator[Problem]:
    if "credentialSubject" not in document:
        yield Problem("credentialSubject", "is missing")
        return
    subjects = document["credentialSubject"]
    many = isinstance(subjects, list)
    if many and not subjects:
        yield Problem("credentialSubject", "must hold at least one subject")
    for index, subject in enumerate(_items(subjects)):
        where = _path("credentialSubject", index, many)
        if not isinstance(subject, dict):
            yield Problem(where, "must be an object")
        elif not subject:
            yield Problem(where, "must make at least one claim")
        elif "id" in subject and not is_url(subject["id"]):
            yield Problem(f"{where}.id", "must be a URL")


def _issuer_problems(document: dict[str, Any]) -> Iterator[Problem]:
    issuer = document.get("issuer")
    if issuer is None:
        yield Problem("issuer", "is missing")
    elif isinstance(issuer, dict):
        if not is_url(issuer.get("id")):
            yield Problem("issuer.id", "is missing or not a URL")
    elif not is_url(issuer):
        yield Problem("issuer", "must be a URL or an object with an id")


def _v2_date_problems(document: dict[str, Any]) -> Iterator[Problem]:
    moments = {}
    for name in ("validFrom", "validUntil"):
        if name in document:
            moment = _date_time_stamp(document[name])
            if moment is None:
                yield Problem(name, "must be a date-time with a time zone, such as 2025-01-31T09:00:00Z")
            moments[name] = moment
    start, end = moments.get("validFrom"), moments.get("validUntil")
    if start is not None and end is not None and start > end:
        yield Problem("validUntil", "must not be earlier than validFrom")


def _v1_date_problems(document: dict[str, Any]) -> Iterator[Problem]:
    if "issuanceDate" not in document:
        yield Problem("issuanceDate", "is missing (VCDM 1.1)")
    for name in ("issuanceDate", "expirationDate"):
        if name in document and not (isinstance(document[name], str) and DATE_TIME.match(document[name])):
            yield Problem(name, "must be a date-time such as 2025-01-31T09:00:00Z")


def presentation_problems(document: dict[str, Any]) -> list[Problem]:
    """A verifiable presentation's own rules (VCDM 2.0 §4.13); the credentials it holds are checked one by one."""
    problems = list(_context_problems(document))
    types = _types(document.get("type"))
    if types is None or "VerifiablePresentation" not in types:
        problems.append(Problem("type", "must include VerifiablePresentation"))
    if "id" in document and not is_url(document["id"]):
        problems.append(Problem("id", "must be a URL"))
    holder = document.get("holder")
    if holder is not None and not (is_url(holder) or (isinstance(holder, dict) and is_url(holder.get("id")))):
        problems.append(Problem("holder", "must be a URL or an object with an id"))
    held = document.get("verifiableCredential")
    for index, item in enumerate(_items(held) if held is not None else []):
        if not isinstance(item, dict):
            problems.append(Problem(_path("verifiableCredential", index, isinstance(held, list)), "must be an object"))
    return problems[:MAX_PROBLEMS]


def data_model_problems(document: Any) -> list[Problem]:
    """Every data-model rule `document` breaks (at most MAX_PROBLEMS), first the ones that make it no credential."""
    if not isinstance(document, dict):
        return [Problem("$", "a credential must be a JSON object")]
    if "VerifiablePresentation" in _items(document.get("type")):
        return presentation_problems(document)
    problems = list(_context_problems(document))
    context = document.get("@context")
    version_one = isinstance(context, list) and bool(context) and context[0] == VC_V1
    if "id" in document and not is_url(document["id"]):
        problems.append(Problem("id", "must be a URL"))
    if "type" not in document:
        problems.append(Problem("type", "is missing"))
    else:
        types = _types(document["type"])
        if types is None:
            problems.append(Problem("type", "must be a string or a list of strings"))
        elif "VerifiableCredential" not in types:
            problems.append(Problem("type", "must include VerifiableCredential"))
    problems += _subject_problems(document)
    problems += _issuer_problems(document)
    problems += _v1_date_problems(document) if version_one else _v2_date_problems(document)
    for name in ("name", "description"):
        if name in document:
            problems += _language_values(document[name], name)
    for name in TYPED_MEMBERS:
        if name in document:
            problems += _typed_member_problems(document, name)
    if "relatedResource" in document:
        problems += _related_resource_problems(document["relatedResource"])
    return problems[:MAX_PROBLEMS]


def require_conformance(document: Any) -> None:
    """Raise DataModelError when `document` breaks the data model, or, for an Open Badges credential, the OB 3.0
    JSON Schema: called before every signature."""
    problems = data_model_problems(document)
    if not problems and set(_items(document.get("type"))) & set(BADGE_TYPES):
        problems = [Problem(issue.path or "$", issue.message) for issue in evaluate_schema(document).issues]
    if problems:
        raise DataModelError(problems)
