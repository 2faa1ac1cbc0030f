"""What a verification says to a person first: one plain sentence (who earned what from whom, and whether it
holds), and the facts behind it, for the verify page and the verify API alike (docs/decisions.md D43).

Everything here is read from a Report: its summary, the credential it checked and its checks. Every value taken
from the credential is untrusted text; templates escape it, and links are kept only when they are http(s).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from verification.report import FAILED, PASSED, Report

# What could not be completed, in words an HR reader follows; `True` when trying again later may help.
UNFINISHED_REASONS: dict[str, tuple[str, bool]] = {
    "status_unavailable": ("the issuer's revocation list did not answer", True),
    "status_list_invalid": ("the issuer's revocation list could not be trusted or read", True),
    "unsupported_status_type": ("its revocation information is of a kind this verifier cannot read", False),
    "key_unavailable": ("the issuer's public key could not be retrieved", True),
    "key_method_unsupported": ("the issuer's kind of identifier cannot be looked up by this verifier", False),
    "unsupported_proof": ("one of its signatures uses a method this verifier does not support", False),
    "too_complex": ("the credential is too large or complex to check in the time allowed", False),
    "embedded_indeterminate": ("some of the credentials it bundles could not be fully checked", True),
}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# Credential text goes into one sentence: runs of whitespace (newlines included) become one space, and a name
# longer than a sentence can carry is cut, so a hostile credential cannot push the verdict off the screen.
_WHITESPACE = re.compile(r"\s+")
NAME_LIMIT = 120
CONFIRM = "type their e-mail address on the verify form to confirm it is them."


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip())[0]


def http_url(value: object) -> str | None:
    """An absolute http(s) URL, or None: other schemes (javascript:, data:, file:) never become a link."""
    if not isinstance(value, str) or not value or len(value) > 2048 or _WHITESPACE.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.netloc else None


def plain_date(value: str | None) -> str | None:
    """ "3 March 2026" for an ISO 8601 date-time; the text as given when it is not one (shown, never guessed)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return f"{moment.day} {moment:%B %Y}"


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = _WHITESPACE.sub(" ", value).strip()
    return value or None


def _short(value: str | None) -> str | None:
    return value if value is None or len(value) <= NAME_LIMIT else value[: NAME_LIMIT - 1] + "…"


def _node(value: object) -> dict[str, Any]:
    if isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, dict) else {}


def _items(value: object) -> list[dict[str, Any]]:
    values = value if isinstance(value, list) else [value]
    return [item for item in values if isinstance(item, dict)]


def _recipient(report: Report, recipient: str) -> dict[str, Any]:
    subject = report.summary.get("subject") or {}
    identity = _text(subject.get("id"))
    hashed = bool(identity and "(hashed)" in identity)
    check = report.check("recipient")
    confirmed: bool | None = None
    if recipient and check is not None and check.status in (PASSED, FAILED):
        confirmed = check.status == PASSED
    return {
        "name": _short(_text(subject.get("name"))),
        "identity": None if hashed else identity,
        "hashed": hashed,
        "confirmedEmail": recipient if confirmed else None,
        "confirmed": confirmed,
    }


def identity_confirmation(report: Report) -> str:
    """How the issuer's identity was confirmed, in words: the key's publisher, or the issuer's own site."""
    check = report.check("issuer_key")
    issuer_id = _text((report.summary.get("issuer") or {}).get("id")) or ""
    if check is None or check.status != PASSED:
        detail = first_sentence(check.message) if check is not None and check.message else ""
        return f"Not confirmed. {detail}".strip()
    if report.format == "ob2-hosted":
        host = urlsplit(_text((report.credential or {}).get("id")) or "").hostname
        return f"Hosted on the issuer's own site ({host})." if host else "Hosted on the issuer's own site."
    if report.format == "ob2-signed":
        return "Signed with a key that the issuer's profile lists."
    if issuer_id.startswith(("did:key:", "did:jwk:")):
        return f"Signed with the key its identifier is made of ({issuer_id})."
    if issuer_id.startswith("did:"):
        return f"Signed with a key published by {issuer_id}."
    if issuer_id:
        return f"Signed with a key listed by the issuer's profile at {issuer_id}."
    return first_sentence(check.message)


def facts(report: Report, *, recipient: str = "") -> dict[str, Any]:
    """The facts of the credential for a reader: JSON-ready, links only http(s), dates in words."""
    summary = report.summary or {}
    credential = report.credential if isinstance(report.credential, dict) else {}
    ob2 = report.format.startswith("ob2")
    achievement_summary = summary.get("achievement") or {}
    achievement = {} if ob2 else _node(_node(credential.get("credentialSubject")).get("achievement"))
    issuer_summary = summary.get("issuer") or {}
    issuer = {} if ob2 else _node(credential.get("issuer"))
    criteria = achievement_summary.get("criteria") if ob2 else _node(achievement.get("criteria"))
    criteria = criteria if isinstance(criteria, dict) else {}
    image = achievement_summary.get("image") if ob2 else achievement.get("image")
    image_url = image.get("id") if isinstance(image, dict) else image
    return {
        "badge": {
            "name": _short(_text(achievement_summary.get("name"))),
            "description": _text(achievement_summary.get("description") if ob2 else achievement.get("description")),
            "criteria": {"url": http_url(criteria.get("id")), "narrative": _text(criteria.get("narrative"))},
            "imageUrl": http_url(image_url),
            "alignments": [
                {
                    "name": _text(item.get("targetName")),
                    "url": http_url(item.get("targetUrl")),
                    "framework": _text(item.get("targetFramework")),
                    "code": _text(item.get("targetCode")),
                }
                for item in _items(achievement.get("alignment"))
            ],
            "tags": [tag for tag in map(_text, achievement.get("tag") or []) if tag]
            if isinstance(achievement.get("tag"), list)
            else [],
        },
        "issuer": {
            "name": _short(_text(issuer_summary.get("name"))),
            "id": _text(issuer_summary.get("id")),
            "url": http_url(issuer_summary.get("url") if ob2 else issuer.get("url")),
            "identityConfirmation": identity_confirmation(report),
        },
        "recipient": _recipient(report, recipient),
        "issued": plain_date(_text(summary.get("validFrom"))),
        "expires": plain_date(_text(summary.get("validUntil"))),
        "evidence": [
            {
                "name": _text(item.get("name")),
                "description": _text(item.get("description")),
                "narrative": _text(item.get("narrative")),
                "url": http_url(item.get("id")),
            }
            for item in _items(credential.get("evidence"))
        ],
        "endorsements": [
            {
                "issuer": _short(_text((endorsement.summary.get("issuer") or {}).get("name")))
                or _text((endorsement.summary.get("issuer") or {}).get("id")),
                "comment": _text(
                    _node((endorsement.credential or {}).get("credentialSubject")).get("endorsementComment")
                ),
                "verdict": endorsement.verdict,
            }
            for endorsement in report.endorsements
        ],
    }


def _who(recipient: dict[str, Any]) -> str:
    if recipient["confirmedEmail"]:
        holder = f"the holder of {recipient['confirmedEmail']} (confirmed)"
        return f"{recipient['name']}, {holder}," if recipient["name"] else holder
    if recipient["name"]:
        return recipient["name"]
    if recipient["hashed"]:
        return "the holder of a hashed e-mail address"
    return recipient["identity"] or "an unnamed recipient"


def headline(report: Report, *, recipient: str = "") -> str:
    """The one sentence a reader sees first: valid (who earned what from whom, when), not valid (what failed, in
    words) or could not be fully checked (what did not answer, and not to rely on it yet)."""
    found = facts(report, recipient=recipient)
    badge = f"“{found['badge']['name']}”" if found["badge"]["name"] else "an unnamed badge"
    issuer = found["issuer"]["name"] or found["issuer"]["id"] or "an unnamed issuer"
    person = found["recipient"]
    failed = report.failures
    if failed:
        return f"Not valid — {_failure(failed[0].id, failed[0].code or '', badge, issuer, found, failed[0].message)}"
    if report.unfinished:
        unfinished = report.unfinished[0]
        reason, transient = UNFINISHED_REASONS.get(unfinished.code or "", (None, True))
        if reason is None:
            reason = first_sentence(unfinished.message).rstrip(".")
            reason = reason[:1].lower() + reason[1:]
        later = " Try again later." if transient else ""
        return f"Could not be fully checked — {reason}; do not rely on it yet.{later}"
    when = f" on {found['issued']}" if found["issued"] else ""
    if person["hashed"] and not person["confirmedEmail"]:
        # A name in the credential is only a claim; the hashed address is what binds it to a person.
        if not person["name"]:
            return f"Valid — {badge} from {issuer} was earned{when} by the holder of a hashed e-mail address; {CONFIRM}"
        return f"Valid — {person['name']} earned {badge} from {issuer}{when}. Their e-mail address is hashed; {CONFIRM}"
    return f"Valid — {_who(person)} earned {badge} from {issuer}{when}."


def _failure(check_id: str, code: str, badge: str, issuer: str, found: dict[str, Any], message: str) -> str:
    if code == "revoked":
        return f"this badge was revoked by {issuer}."
    if code == "suspended":
        return f"this badge is suspended by {issuer}; it may be reinstated later, but it does not hold now."
    if code == "expired":
        when = f" on {found['expires']}" if found["expires"] else ""
        return f"this badge expired{when}."
    if code == "not_yet_valid":
        when = f" before {found['issued']}" if found["issued"] else " yet"
        return f"this badge is not valid{when}."
    if check_id == "proof":
        return (
            f"the signature on {badge} does not match: it was changed after it was issued, or {issuer} did not sign it."
        )
    if check_id == "issuer_key":
        return f"it was not signed with a key that {issuer} is known to use."
    if check_id == "recipient":
        email = found["recipient"]["confirmed"] is False
        return "this badge was not issued to the e-mail address given." if email else first_sentence(message)
    if check_id in ("format", "context", "schema"):
        return f"this is not a well-formed Open Badges credential. {first_sentence(message)}"
    if check_id == "embedded":
        return "one of the credentials it bundles is not valid."
    return first_sentence(message)
