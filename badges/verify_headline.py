"""What a verification says to a person first: one plain sentence (who earned what from whom, and whether it
holds), and the facts behind it, for the verify page and the verify API alike (docs/decisions.md D43).

Everything here is read from a Report: its summary, the credential it checked and its checks. Every value taken
from the credential is untrusted text; templates escape it, and links are kept only when they are http(s). The
sentences, the dates and the reason are in the active language (D53): the reader's on the page, the request's
Accept-Language in the API.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.utils.dateformat import format as format_date
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from badges.check_explanations import CHECK_TITLES, explanation, in_reader_words, reads_verifier_language
from badges.results import STATUS_LABELS
from verification.report import FAILED, PASSED, Check, Report

# What could not be completed, in words an HR reader follows; `True` when trying again later may help.
UNFINISHED_REASONS: dict[str, tuple[Promise, bool]] = {
    "status_unavailable": (_("the issuer's revocation list did not answer"), True),
    "status_list_invalid": (_("the issuer's revocation list could not be trusted or read"), True),
    "unsupported_status_type": (_("its revocation information is of a kind this verifier cannot read"), False),
    "key_unavailable": (_("the issuer's public key could not be retrieved"), True),
    "key_method_unsupported": (_("the issuer's kind of identifier cannot be looked up by this verifier"), False),
    "unsupported_proof": (_("one of its signatures uses a method this verifier does not support"), False),
    "too_complex": (_("the credential is too large or complex to check in the time allowed"), False),
    "embedded_indeterminate": (_("some of the credentials it bundles could not be fully checked"), True),
    "document_unavailable": (_("a document the badge depends on could not be retrieved from the issuer"), True),
    "assertion_unavailable": (_("the badge could not be retrieved from the issuer's server"), True),
    "unsupported_policy": (
        _("the issuer describes where its badges are published in a form this verifier cannot read"),
        False,
    ),
    "unsupported_version": (_("it is an Open Badges 1.0 badge, which this verifier does not check"), False),
    "jwt": (_("the signature of its token could not be checked"), True),
}
# Any other check that could not be completed (a code newer than this table, or none).
UNFINISHED_OTHERWISE = _("one of its checks could not be completed")
# Credential text goes into one sentence: runs of whitespace (newlines included) become one space, and a name
# longer than a sentence can carry is cut, so a hostile credential cannot push the verdict off the screen.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_WHITESPACE = re.compile(r"\s+")
NAME_LIMIT = 120


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
    """ "3 March 2026" ("3. März 2026") for an ISO 8601 date-time; the text as given when it is not one (shown,
    never guessed)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    # The day as written in the credential (no conversion to the server's zone), in the reader's language: the
    # same translated format the public pages use (D51), month names from Django's own catalogues.
    return format_date(moment, pgettext("date format", "j F Y"))


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
    if check is None:
        return gettext("Not confirmed.")
    if check.status != PASSED:
        detail = in_reader_words(check, first_sentence(check.message)) if check.message else ""
        return gettext("Not confirmed. %(detail)s") % {"detail": detail} if detail else gettext("Not confirmed.")
    if report.format == "ob2-hosted":
        host = urlsplit(_text((report.credential or {}).get("id")) or "").hostname
        if host:
            return gettext("Hosted on the issuer's own site (%(host)s).") % {"host": host}
        return gettext("Hosted on the issuer's own site.")
    if report.format == "ob2-signed":
        return gettext("Signed with a key that the issuer's profile lists.")
    if issuer_id.startswith(("did:key:", "did:jwk:")):
        return gettext("Signed with the key its identifier is made of (%(issuer)s).") % {"issuer": issuer_id}
    if issuer_id.startswith("did:"):
        return gettext("Signed with a key published by %(issuer)s.") % {"issuer": issuer_id}
    if issuer_id:
        return gettext("Signed with a key listed by the issuer's profile at %(issuer)s.") % {"issuer": issuer_id}
    return in_reader_words(check, first_sentence(check.message))


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
        **achieved(credential),
        "evidence": [
            {
                "name": _text(item.get("name")),
                "genre": _text(item.get("genre")),
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


# What a Result's resultType measures, as a reader names it (D65); any other type reads as "Result".
_SCORES = frozenset({"Percent", "PredictedScore", "RawScore", "RubricScore", "ScaledScore"})
_GRADES = frozenset({"LetterGrade", "GradePointAverage"})
_LEVELS = frozenset({"PerformanceLevel", "RubricCriterionLevel"})


def achieved(credential: dict[str, Any]) -> dict[str, Any]:
    """What the learner achieved, as any OB 3.0 credential says it (ours or another platform's): the results
    against the achievement's result descriptions, the awarded date, the activity's dates and the narrative.
    Words for kinds and statuses are the reader's; every value is the credential's text, shown as it is."""
    subject = _node(credential.get("credentialSubject"))
    achievement = _node(subject.get("achievement"))
    descriptions = {
        item["id"]: item for item in _items(achievement.get("resultDescription")) if isinstance(item.get("id"), str)
    }
    return {
        "results": [entry for entry in (_result(r, descriptions) for r in _items(subject.get("result"))) if entry],
        "awarded": plain_date(_text(credential.get("awardedDate"))),
        "activityStart": plain_date(_text(subject.get("activityStartDate"))),
        "activityEnd": plain_date(_text(subject.get("activityEndDate"))),
        "narrative": _text(subject.get("narrative")),
    }


def _result(result: dict[str, Any], descriptions: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """One result as {name, kind, value}: "Final", "Score", "87 / 100"."""
    description = descriptions.get(str(result.get("resultDescription")), {})
    kind_of = description.get("resultType")
    value = _text(result.get("value"))
    level_id = _text(result.get("achievedLevel"))
    status = _text(result.get("status"))
    if level_id:
        levels = {
            str(item.get("id")): _text(item.get("name")) for item in _items(description.get("rubricCriterionLevel"))
        }
        kind, shown = gettext("Level"), levels.get(level_id) or level_id
    elif value and kind_of in _SCORES:
        high = _text(description.get("valueMax"))
        kind = gettext("Score")
        shown = gettext("%(value)s / %(max)s") % {"value": value, "max": high} if high else value
    elif value and kind_of in _GRADES:
        kind, shown = gettext("Grade"), value
    elif value and kind_of in _LEVELS:
        kind, shown = gettext("Level"), value
    elif value:
        kind, shown = gettext("Result"), value
    elif status:
        kind, shown = gettext("Status"), str(STATUS_LABELS.get(status, status))
    else:
        return None
    entry = {"name": _short(_text(description.get("name"))), "kind": kind, "value": shown, "status": None}
    if status and (value or level_id):
        entry["status"] = str(STATUS_LABELS.get(status, status))
    return entry


def headline(report: Report, *, recipient: str = "") -> str:
    """The one sentence a reader sees first: valid (who earned what from whom, when), not valid (what failed, in
    words) or could not be fully checked (what did not answer, and not to rely on it yet).

    Each sentence is one message of the catalogue with named placeholders, so that a language may order its words
    as it needs; what the credential says (names, the badge's title, addresses) is inserted, never translated."""
    found = facts(report, recipient=recipient)
    badge = _badge(found)
    failed = report.failures
    if failed:
        return _failure(failed[0], badge, found)
    if report.unfinished:
        reason, transient = _unfinished(report.unfinished[0])
        if transient:
            return gettext("Could not be fully checked — %(reason)s; do not rely on it yet. Try again later.") % {
                "reason": reason
            }
        return gettext("Could not be fully checked — %(reason)s; do not rely on it yet.") % {"reason": reason}
    return _valid(found, badge)


def _badge(found: dict[str, Any]) -> str:
    name = found["badge"]["name"]
    return gettext("“%(name)s”") % {"name": name} if name else gettext("an unnamed badge")


def _issuer(found: dict[str, Any], *, subject: bool) -> str:
    """The issuer's name, else its id; a language that declines nouns words the fallback for its place."""
    named = found["issuer"]["name"] or found["issuer"]["id"]
    if named:
        return str(named)
    if subject:
        return pgettext("issuer, as the subject of a sentence", "an unnamed issuer")
    return pgettext("issuer, after 'from' or 'by'", "an unnamed issuer")


def _valid(found: dict[str, Any], badge: str) -> str:
    person = found["recipient"]
    words = {
        "badge": badge,
        "issuer": _issuer(found, subject=False),
        "date": found["issued"],
        "name": person["name"],
        "email": person["confirmedEmail"],
        "identity": person["identity"],
    }
    dated = bool(found["issued"])
    if person["hashed"] and not person["confirmedEmail"]:
        # A name in the credential is only a claim; the hashed address is what binds it to a person.
        if person["name"] and dated:
            text = gettext(
                "Valid — %(name)s earned %(badge)s from %(issuer)s on %(date)s. Their e-mail address is hashed; "
                "type their e-mail address on the verify form to confirm it is them."
            )
        elif person["name"]:
            text = gettext(
                "Valid — %(name)s earned %(badge)s from %(issuer)s. Their e-mail address is hashed; type their "
                "e-mail address on the verify form to confirm it is them."
            )
        elif dated:
            text = gettext(
                "Valid — %(badge)s from %(issuer)s was earned on %(date)s by the holder of a hashed e-mail address; "
                "type their e-mail address on the verify form to confirm it is them."
            )
        else:
            text = gettext(
                "Valid — %(badge)s from %(issuer)s was earned by the holder of a hashed e-mail address; type their "
                "e-mail address on the verify form to confirm it is them."
            )
    elif person["confirmedEmail"] and person["name"]:
        text = (
            gettext(
                "Valid — %(name)s, the holder of %(email)s (confirmed), earned %(badge)s from %(issuer)s on %(date)s."
            )
            if dated
            else gettext("Valid — %(name)s, the holder of %(email)s (confirmed), earned %(badge)s from %(issuer)s.")
        )
    elif person["confirmedEmail"]:
        text = (
            gettext("Valid — the holder of %(email)s (confirmed) earned %(badge)s from %(issuer)s on %(date)s.")
            if dated
            else gettext("Valid — the holder of %(email)s (confirmed) earned %(badge)s from %(issuer)s.")
        )
    elif person["name"]:
        text = (
            gettext("Valid — %(name)s earned %(badge)s from %(issuer)s on %(date)s.")
            if dated
            else gettext("Valid — %(name)s earned %(badge)s from %(issuer)s.")
        )
    elif person["identity"]:
        text = (
            gettext("Valid — %(identity)s earned %(badge)s from %(issuer)s on %(date)s.")
            if dated
            else gettext("Valid — %(identity)s earned %(badge)s from %(issuer)s.")
        )
    else:
        text = (
            gettext("Valid — an unnamed recipient earned %(badge)s from %(issuer)s on %(date)s.")
            if dated
            else gettext("Valid — an unnamed recipient earned %(badge)s from %(issuer)s.")
        )
    return text % words


def _failure(check: Check, badge: str, found: dict[str, Any]) -> str:
    """What failed, in words; never the verifier's own (English) message, which the reason and the checks show."""
    code = check.code or ""
    words = {
        "badge": badge,
        "issuer": _issuer(found, subject=False),
        "signer": _issuer(found, subject=True),
        "expires": found["expires"],
        "issued": found["issued"],
        "check": str(CHECK_TITLES.get(check.id, check.id)),
    }
    if code == "revoked":
        text = gettext("Not valid — this badge was revoked by %(issuer)s.")
    elif code == "suspended":
        text = gettext(
            "Not valid — this badge is suspended by %(issuer)s; it may be reinstated later, but it does not hold now."
        )
    elif code == "expired":
        text = (
            gettext("Not valid — this badge expired on %(expires)s.")
            if found["expires"]
            else gettext("Not valid — this badge has expired.")
        )
    elif code == "not_yet_valid":
        text = (
            gettext("Not valid — this badge is not valid before %(issued)s.")
            if found["issued"]
            else gettext("Not valid — this badge is not valid yet.")
        )
    elif check.id == "proof" and code == "no_proof":
        text = gettext("Not valid — it carries no signature, so nothing shows that %(signer)s issued it.")
    elif check.id == "proof":
        text = gettext(
            "Not valid — the signature on %(badge)s does not match: it was changed after it was issued, or "
            "%(signer)s did not sign it."
        )
    elif check.id == "issuer_key":
        text = gettext("Not valid — it was not signed with a key that %(signer)s is known to use.")
    elif check.id == "recipient":
        text = (
            gettext("Not valid — this badge was not issued to the e-mail address given.")
            if found["recipient"]["confirmed"] is False
            else gettext("Not valid — this badge was not issued to the recipient given.")
        )
    elif check.id in ("format", "context", "schema"):
        text = gettext("Not valid — this is not a well-formed Open Badges credential.")
    elif check.id in ("valid_from", "valid_until"):
        text = gettext("Not valid — its dates are missing or cannot be read.")
    elif check.id == "status":
        text = gettext("Not valid — its revocation information is faulty.")
    elif check.id == "embedded":
        text = gettext("Not valid — one of the credentials it bundles is not valid.")
    else:
        text = gettext("Not valid — the check “%(check)s” failed.")
    return text % words


def _unfinished(check: Check) -> tuple[str, bool]:
    """What could not be completed, as a clause, and whether trying again later may help."""
    reason, transient = UNFINISHED_REASONS.get(check.code or "", (UNFINISHED_OTHERWISE, True))
    return str(reason), transient


def reason(report: Report) -> str:
    """One sentence under the headline: what the first failed check found, what could not be checked, or how many
    warnings a valid credential carries. A reader of English reads the failed check's own message (the sentence
    naming its code: "suspended" beside "not revoked"); any other reader its explanation (D53)."""
    if report.failures:
        failed = report.failures[0]
        if not reads_verifier_language():
            return explanation(failed)
        # A check's message may hold several findings (URLs contain no ". "): the one naming the failure's code,
        # else the first.
        sentences = _SENTENCE_END.split(failed.message.strip())
        code = (failed.code or "").replace("_", " ")
        return next((sentence for sentence in sentences if code and code in sentence), sentences[0])
    if report.unfinished:
        unfinished, transient = _unfinished(report.unfinished[0])
        if transient:
            return gettext(
                "Could not be fully checked right now: %(reason)s — try again later. It is not shown as valid until "
                "it is."
            ) % {"reason": unfinished}
        return gettext("Could not be fully checked right now: %(reason)s. It is not shown as valid until it is.") % {
            "reason": unfinished
        }
    warnings = len(report.warnings)
    if warnings:
        return ngettext(
            "No check failed; %(count)d warning below says what could not be fully confirmed.",
            "No check failed; %(count)d warnings below say what could not be fully confirmed.",
            warnings,
        ) % {"count": warnings}
    return gettext("Every check passed.")
