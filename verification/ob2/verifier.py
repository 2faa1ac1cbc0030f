"""Verify an Open Badges 2.0 / 2.1 assertion and report it, check by check, like an Open Badges 3.0 credential.

Two verification methods (OB 2.0 "Verification"):
- hosted: the assertion is fetched from its `id` (given as a URL, as JSON naming it, or baked), and only the
  fetched copy is trusted; its `id` must be the URL it came from; the assertion and its BadgeClass must lie in
  the issuer's verification scope (`verification.allowedOrigins` / `startsWith` of the issuer profile, by
  default the issuer id's origin); HTTP 410 or `revoked: true` is revoked.
- signed: a compact JWS (RS256 or ES256) whose payload is the assertion, verified with a key bound to the
  issuer (verification.ob2.signed), revoked when the issuer's RevocationList names it.
Both: the BadgeClass and the issuer profile are fetched and validated, `issuedOn` must not be in the future,
`expires` not in the past, and the recipient can be compared with a given e-mail address.

The checks reuse the 3.0 ids with the same meaning — `proof` (is this the issuer's document: hosted at its id,
or signed), `issuer_key` (does that speak for the issuer: verification scope, or the key's two-way link),
`valid_from`, `valid_until`, `status`, `recipient` — so the page, the API and the CLI show them unchanged.
Anything that could not be fetched leaves its check indeterminate, never passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from verification.checks.common import guard, sentence
from verification.checks.dates import date_checks
from verification.checks.recipient import ob2_recipient_check, recipient_summary
from verification.errors import FetchError, HttpStatusError, Indeterminate, TooComplex, VerificationError
from verification.inputs import ParsedInput
from verification.jwt import parse_compact_jws
from verification.ob2.documents import Documents
from verification.ob2.model import (
    HOSTED_TYPES,
    ISSUER_TYPES,
    OB1_CONTEXTS,
    OB2_CONTEXTS,
    SIGNED_TYPES,
    as_list,
    contexts_of,
    http_url,
    is_ob2_assertion,
    node_id,
    origin,
    types_of,
    verification_of,
)
from verification.ob2.signed import (
    candidate_keys,
    header_problem,
    key_binding_check,
    revocation_check,
    signature_check,
)
from verification.report import FAILED, INDETERMINATE, PASSED, SKIPPED, WARNING, Check, Report, verdict_of

__all__ = ["HOSTED", "SIGNED", "verify_ob2"]

HOSTED = "ob2-hosted"
SIGNED = "ob2-signed"
MAX_LISTED = 5
DATES = ("issuedOn", "expires")
_WHERE = {"png": ", baked in a PNG image", "svg": ", baked in an SVG image"}


@dataclass
class _Run:
    """What one verification has learned so far; each check reads it and may add to it."""

    parsed: ParsedInput
    documents: Documents
    now: datetime
    given: dict[str, Any] | None = None  # the assertion as given (JSON, or a JWS payload)
    assertion: dict[str, Any] | None = None  # the assertion the report trusts: fetched (hosted) or signed
    url: str | None = None  # the hosted assertion's URL
    gone: str | None = None  # why the hosted URL says the assertion is revoked (HTTP 410)
    badge: dict[str, Any] | None = None
    issuer: dict[str, Any] | None = None
    issuer_id: str | None = None
    linked: Check | None = None  # why the BadgeClass or the issuer could not be had (indeterminate or failed)
    notes: list[str] = field(default_factory=list)


def verify_ob2(parsed: ParsedInput, documents: Documents, *, now: datetime, recipient: str | None) -> Report:
    """Verify the Open Badges 2.0 assertion `parsed` carries (its `ob2` is true). Fetches go through
    `documents`; the caller runs this inside the verification's budget."""
    run = _Run(parsed=parsed, documents=documents, now=now)
    if parsed.jws is not None:
        return _signed(run, parsed.jws, recipient)
    return _hosted(run, recipient)


# --------------------------------------------------------------------------------------------------------------
# Hosted


def _hosted(run: _Run, recipient: str | None) -> Report:
    run.given = run.parsed.credential
    checks = [_format_check(run.parsed, HOSTED)]
    declared = types_of(verification_of(run.given)) if run.given is not None else []
    given = run.given
    if given is not None and any(item in SIGNED_TYPES for item in declared):
        # The JSON of a signed assertion without its JWS: nothing shows the issuer made it.
        run.assertion = given
        checks.append(guard("context", lambda: _context_check(given)))
        checks.append(
            Check(
                "proof",
                FAILED,
                "This assertion declares signed verification (SignedBadge) but was given as plain JSON: its "
                "signature (the JWS) is missing, so nothing shows that the issuer made it. Give the signed "
                "assertion itself (the compact JWS, or the badge image it was baked into).",
                "no_proof",
            )
        )
        return _finish(run, checks, recipient, HOSTED, skipped_reason="the assertion's signature is missing")

    proof = guard("proof", lambda: _retrieve(run))
    checks.append(proof)
    subject = run.assertion if run.assertion is not None else run.given
    if subject is not None:
        checks.append(guard("context", lambda: _context_check(subject)))
    if run.assertion is None:
        if run.gone:
            checks.append(Check("status", FAILED, run.gone, "revoked"))
            reason = "the issuer's server says the badge is revoked"
        elif proof.status == FAILED:
            reason = "the hosted assertion does not verify"
        else:
            reason = "the hosted assertion could not be retrieved"
        return _finish(run, checks, recipient, HOSTED, skipped_reason=reason)
    _link(run, embedded_badge=False)
    checks.append(guard("schema", lambda: _schema_check(run)))
    checks.append(guard("issuer_key", lambda: _scope_check(run)))
    checks.extend(date_checks(run.assertion, run.now, names=DATES, noun="badge"))
    checks.append(guard("status", lambda: _hosted_status(run)))
    return _finish(run, checks, recipient, HOSTED)


def _hosted_url(given: dict[str, Any] | None) -> str | None:
    """The URL a hosted assertion is verified at: its `id` (2.0), else the 1.x `verify.url`."""
    if given is None:
        return None
    if http_url(given.get("id")):
        return str(given["id"])
    url = verification_of(given).get("url")
    return url if http_url(url) else None


def _retrieve(run: _Run) -> Check:
    """`proof` of a hosted assertion: the issuer's server publishes it at its id."""
    url = run.parsed.url or _hosted_url(run.given)
    if url is None:
        return Check(
            "proof",
            FAILED,
            "The assertion has no HTTP(S) id to retrieve it from, and no signature: nothing shows that its issuer "
            "made it (hosted verification needs the assertion's URL as its id).",
            "no_proof",
        )
    run.url = url
    hosted = _fetch_hosted(run, url)
    if isinstance(hosted, Check):
        return hosted
    moved_to = hosted.get("id")
    linked_from = None
    if run.parsed.url is not None and moved_to != url and http_url(moved_to) and is_ob2_assertion(hosted):
        # The link given led (a redirect, a short link, a copy) to an assertion with another id: that id is where
        # the issuer publishes it, so it is retrieved from there, and that copy is the one judged.
        linked_from = url
        url = run.url = str(moved_to)
        hosted = _fetch_hosted(run, url)
        if isinstance(hosted, Check):
            return hosted
    if hosted.get("revoked") is True:
        reason = hosted.get("revocationReason")
        because = f" Reason: {sentence(reason)}" if isinstance(reason, str) and reason.strip() else ""
        run.gone = f"The issuer has revoked this badge: the assertion at {url} says revoked.{because}"
        return Check("proof", SKIPPED, f"Retrieved from {url}, which marks it revoked.", "revoked")
    if not is_ob2_assertion(hosted):
        return Check("proof", FAILED, f"The document at {url} is not an Open Badges assertion.", "not_an_assertion")
    if hosted.get("id") != url:
        return Check(
            "proof",
            FAILED,
            f"The assertion at {url} carries the id {hosted.get('id')!r}: a hosted assertion's id must be the URL "
            "it is published at, so this copy does not speak for it.",
            "id_mismatch",
        )
    if any(item in SIGNED_TYPES for item in types_of(verification_of(hosted))):
        return Check(
            "proof",
            FAILED,
            f"The assertion at {url} declares signed verification; a signed assertion is verified by its "
            "signature, which was not given.",
            "no_proof",
        )
    run.assertion = hosted
    message = f"The assertion was retrieved from its id, {url}: the issuer's server publishes it (hosted verification)."
    if run.given is not None and _canonical(run.given) != _canonical(hosted):
        message += " The copy given differs from the published one; this report describes the published one."
    if linked_from is not None:
        message += f" The link given, {linked_from}, led to a document naming this id; the report is about the one published there."
    return Check("proof", PASSED, message, "hosted_valid")


def _fetch_hosted(run: _Run, url: str) -> dict[str, Any] | Check:
    """The assertion published at `url`, or the `proof` check when it is gone (410); Indeterminate when it
    cannot be retrieved."""
    try:
        return run.documents.get(url)
    except HttpStatusError as exc:
        if exc.status == 410:
            run.gone = f"The issuer has revoked this badge: its URL {url} answers 410 Gone."
            return Check("proof", SKIPPED, f"Not retrieved: {url} answers 410 Gone (revoked).", "revoked")
        raise Indeterminate(
            f"The hosted assertion could not be retrieved: {exc.message}", code="assertion_unavailable"
        ) from exc
    except TooComplex:
        raise
    except FetchError as exc:
        raise Indeterminate(
            f"The hosted assertion could not be retrieved: {exc.message}", code="assertion_unavailable"
        ) from exc


def _canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _scope_check(run: _Run) -> Check:
    """`issuer_key` of a hosted assertion: the assertion and its BadgeClass lie where the issuer says its badges
    are hosted (OB 2.0 VerificationObject; by default the issuer id's origin)."""
    if run.issuer is None or run.issuer_id is None or run.badge is None:
        return _linked_outcome(run, "issuer_key")
    assert run.url is not None
    badge_id = node_id(run.badge.get("id")) or ""
    policy = run.issuer.get("verification")
    if policy is not None and not isinstance(policy, dict):
        raise Indeterminate(
            f"The issuer profile {run.issuer_id} names its verification policy by reference; only an embedded "
            "VerificationObject is read.",
            code="unsupported_policy",
        )
    policy = policy or {}
    problems: list[str] = []
    starts = [item for item in as_list(policy.get("startsWith")) if isinstance(item, str)]
    if starts and not any(run.url.startswith(prefix) for prefix in starts):
        problems.append(f"the assertion {run.url} does not start with {' or '.join(starts)}")
    allowed = [item.strip().lower() for item in as_list(policy.get("allowedOrigins")) if isinstance(item, str)]
    if allowed:
        scope = f"the issuer's allowed origins ({', '.join(allowed)})"
        for what, url in (("assertion", run.url), ("BadgeClass", badge_id), ("issuer profile", run.issuer_id)):
            if not http_url(url) or origin(url)[1] not in allowed:
                problems.append(f"the {what} {url} is not hosted on {scope}")
    else:
        home = origin(run.issuer_id)
        default_port = {"https": 443, "http": 80}.get(home[0])
        shown = f"{home[0]}://{home[1]}" + (f":{home[2]}" if home[2] != default_port else "")
        scope = f"the issuer's origin ({shown})"
        for what, url in (("assertion", run.url), ("BadgeClass", badge_id)):
            if not http_url(url) or origin(url) != home:
                problems.append(f"the {what} {url} is not hosted on {scope}")
    if problems:
        text = "; ".join(problems)
        return Check(
            "issuer_key",
            FAILED,
            f"Outside the issuer's verification scope: {text}. A server outside it cannot speak for the issuer.",
            "out_of_scope",
        )
    prefix = f", under {' or '.join(starts)}" if starts else ""
    return Check(
        "issuer_key",
        PASSED,
        f"The assertion and its BadgeClass are hosted within {scope}{prefix}, so they speak for the issuer "
        f"{run.issuer_id}.",
        "in_scope",
    )


def _hosted_status(run: _Run) -> Check:
    url = run.url
    return Check(
        "status",
        PASSED,
        f"The assertion is not revoked: {url} answers 200 OK and does not mark it revoked.",
        "not_revoked",
    )


# --------------------------------------------------------------------------------------------------------------
# Signed


def _signed(run: _Run, token: str, recipient: str | None) -> Report:
    checks = [_format_check(run.parsed, SIGNED)]
    header, payload, signing_input, signature = parse_compact_jws(token)
    run.given = run.assertion = payload
    checks.append(guard("context", lambda: _context_check(payload, signed=True)))
    _link(run, embedded_badge=True)
    checks.append(guard("schema", lambda: _schema_check(run)))
    refused = header_problem(header)
    key = None
    if refused is not None:
        checks.append(Check("proof", FAILED, refused, "proof_invalid"))
    else:
        creator = node_id(verification_of(payload).get("creator"))
        if creator is not None and not http_url(creator):
            checks.append(
                Check("proof", FAILED, f"The creator {creator!r} is not an HTTP(S) key URL.", "key_unresolved")
            )
        elif creator is None and run.issuer is None:
            checks.append(_linked_outcome(run, "proof"))
        else:
            result: list[Any] = []

            def check_signature() -> Check:
                proof, found = signature_check(
                    alg=str(header["alg"]),
                    signing_input=signing_input,
                    signature=signature,
                    keys=candidate_keys(creator, run.issuer),
                    documents=run.documents,
                )
                result.append(found)
                return proof

            checks.append(guard("proof", check_signature))
            key = result[0] if result else None
    checks.append(guard("issuer_key", lambda: key_binding_check(key, run.issuer_id, run.issuer)))
    checks.extend(date_checks(payload, run.now, names=DATES, noun="badge"))
    checks.append(guard("status", lambda: revocation_check(payload, run.issuer_id, run.issuer, run.documents)))
    return _finish(run, checks, recipient, SIGNED)


# --------------------------------------------------------------------------------------------------------------
# Shared steps


def _fetch_linked(run: _Run, reference: Any, kind: str, expected: tuple[str, ...]) -> dict[str, Any]:
    """A BadgeClass or issuer profile, from its HTTP(S) id. Indeterminate when it could not be had;
    VerificationError (failed) when what is there is another kind of document or not published at its id."""
    url = node_id(reference)
    if not http_url(url):
        raise VerificationError(f"The {kind} has no HTTP(S) id to retrieve it from ({url!r}).", code="schema_invalid")
    assert url is not None
    try:
        document = run.documents.get(url)
    except TooComplex:
        raise
    except FetchError as exc:
        raise Indeterminate(f"The {kind} could not be retrieved: {exc.message}", code="document_unavailable") from exc
    found = types_of(document)
    if not any(item in expected for item in found):
        raise VerificationError(
            f"The document at {url} is not a {kind} (its type is {found!r}).", code="schema_invalid"
        )
    if document.get("id") != url:
        raise VerificationError(
            f"The {kind} at {url} carries the id {document.get('id')!r}; a badge document must be published at its id.",
            code="schema_invalid",
        )
    return document


def _link(run: _Run, *, embedded_badge: bool) -> None:
    """Fetch the BadgeClass (a signed assertion may embed it: its signature covers it) and the issuer profile
    (always from its id: keys and revocation lists an embedded copy names are not the issuer's word)."""
    assert run.assertion is not None
    reference = run.assertion.get("badge")
    try:
        if embedded_badge and isinstance(reference, dict) and "BadgeClass" in types_of(reference):
            run.badge = reference
        else:
            run.badge = _fetch_linked(run, reference, "BadgeClass", ("BadgeClass",))
        run.issuer_id = node_id(run.badge.get("issuer"))
        run.issuer = _fetch_linked(run, run.badge.get("issuer"), "issuer profile", ISSUER_TYPES)
    except Indeterminate as exc:
        run.linked = Check("schema", INDETERMINATE, exc.message, exc.code)
    except VerificationError as exc:
        run.linked = Check("schema", FAILED, exc.message, exc.code)


def _linked_outcome(run: _Run, check_id: str) -> Check:
    """A check that needs the BadgeClass and issuer profile when they could not be had."""
    if run.linked is not None and run.linked.status == INDETERMINATE:
        return Check(check_id, INDETERMINATE, f"Not checked: {run.linked.message}", run.linked.code)
    return Check(check_id, SKIPPED, "Not checked: the BadgeClass or the issuer profile is not usable.", "not_checked")


def _context_check(document: dict[str, Any], *, signed: bool = False) -> Check:
    contexts = contexts_of(document)
    types = types_of(document)
    notes: list[str] = []
    if any(item in OB2_CONTEXTS for item in contexts):
        version = "2.0"
    elif any(item in OB1_CONTEXTS for item in contexts):
        version = "1.1"
        notes.append("it is an Open Badges 1.1 assertion, verified with the 2.0 rules")
    else:
        return Check(
            "context",
            INDETERMINATE,
            "This is an Open Badges 1.0 assertion (it has no @context); only 1.1, 2.0 and 2.1 assertions are verified.",
            "unsupported_version",
        )
    if "Assertion" not in types:
        return Check("context", FAILED, f"Its type {types!r} does not include Assertion.", "context_invalid")
    declared = types_of(verification_of(document))
    if signed and not any(item in SIGNED_TYPES for item in declared):
        notes.append(f"it comes signed but declares verification {declared!r}; its signature is what is checked")
    if not signed and declared and not any(item in HOSTED_TYPES for item in declared):
        notes.append(f"its verification type {declared!r} is not HostedBadge")
    if notes:
        return Check(
            "context", WARNING, f"An Open Badges {version} Assertion, but " + "; ".join(notes) + ".", "context_warning"
        )
    return Check("context", PASSED, f"An Open Badges {version} Assertion.", "context_valid")


# Required properties of OB 2.0 "Open Badges Vocabulary" (bold in the specification).
_REQUIRED = {
    "Assertion": ("id", "type", "recipient", "badge", "verification", "issuedOn"),
    "BadgeClass": ("id", "type", "name", "description", "image", "criteria", "issuer"),
    "issuer profile": ("id", "type"),
}


def _schema_check(run: _Run) -> Check:
    """Data validation (OB 2.0 "Data Validation"): the required properties of the assertion, its BadgeClass
    and its issuer profile, and the recipient IdentityObject."""
    assert run.assertion is not None
    problems: list[str] = []
    assertion = dict(run.assertion)
    if "verification" not in assertion and "verify" in assertion:
        assertion["verification"] = assertion["verify"]
    for kind, document in (("Assertion", assertion), ("BadgeClass", run.badge), ("issuer profile", run.issuer)):
        if document is None:
            continue
        for name in _REQUIRED[kind]:
            if document.get(name) in (None, "", [], {}):
                problems.append(f"{kind}.{name} is missing")
    identity = assertion.get("recipient")
    if isinstance(identity, dict):
        if not isinstance(identity.get("identity"), str) or not isinstance(identity.get("type"), str):
            problems.append("Assertion.recipient needs a string identity and type")
        if "hashed" in identity and not isinstance(identity["hashed"], bool):
            problems.append("Assertion.recipient.hashed must be true or false")
    elif identity is not None:
        problems.append("Assertion.recipient must be an IdentityObject")
    if problems:
        listed = "; ".join(problems[:MAX_LISTED]) + (
            f"; and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        )
        return Check("schema", FAILED, f"The badge does not conform to Open Badges 2.0: {listed}.", "schema_invalid")
    if run.linked is not None:
        return run.linked
    return Check(
        "schema",
        PASSED,
        "The assertion, its BadgeClass and its issuer profile have every property Open Badges 2.0 requires.",
        "schema_valid",
    )


def _format_check(parsed: ParsedInput, method: str) -> Check:
    if method == SIGNED:
        how = "a signed Open Badges 2.0 assertion (compact JWS)"
    elif parsed.url is not None:
        how = "an Open Badges 2.0 hosted assertion, given as its URL"
    else:
        how = "an Open Badges 2.0 hosted assertion (JSON)"
    return Check("format", PASSED, f"The badge is {how}{_WHERE.get(parsed.kind, '')}.", method)


_ORDER = ("format", "context", "schema", "proof", "issuer_key", "valid_from", "valid_until", "status", "recipient")


def _finish(
    run: _Run, checks: list[Check], recipient: str | None, method: str, *, skipped_reason: str | None = None
) -> Report:
    """Every check id once, in the 3.0 order; those a failure upstream left without input are skipped."""
    present = {check.id for check in checks}
    if "recipient" not in present:
        if skipped_reason is None:
            checks.append(guard("recipient", lambda: ob2_recipient_check(run.assertion, recipient)))
            present.add("recipient")
    for check_id in _ORDER:
        if check_id not in present:
            checks.append(
                Check(check_id, SKIPPED, f"Not checked: {skipped_reason or 'not applicable'}.", "not_checked")
            )
    checks.sort(key=lambda check: _ORDER.index(check.id) if check.id in _ORDER else len(_ORDER))
    return Report(
        verdict=verdict_of(checks),
        format=method,
        checks=checks,
        credential=run.assertion if run.assertion is not None else run.given,
        summary=summarize(run),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _criteria(value: object) -> dict[str, str | None] | None:
    if isinstance(value, str):
        return {"id": value, "narrative": None}
    if isinstance(value, dict):
        return {"id": _text(value.get("id")), "narrative": _text(value.get("narrative"))}
    return None


def _embedded(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def summarize(run: _Run) -> dict[str, Any]:
    """The facts a reader needs first, in the shape of a 3.0 report's `credential` (plus the 2.0 version): who
    issued which badge to whom, and when it is valid. From the trusted documents; what was only claimed (an
    embedded copy) fills in when they could not be had."""
    assertion: dict[str, Any] = run.assertion or run.given or {}
    badge: dict[str, Any] = run.badge or _embedded(assertion.get("badge"))
    issuer: dict[str, Any] = run.issuer or _embedded(badge.get("issuer"))
    version = "1.1" if any(item in OB1_CONTEXTS for item in contexts_of(assertion)) else "2.0"
    return {
        "issuer": {
            "id": node_id(badge.get("issuer")) or _text(issuer.get("id")),
            "name": _text(issuer.get("name")),
            "url": node_id(issuer.get("url")),
        },
        "achievement": {
            "id": node_id(assertion.get("badge")) or _text(badge.get("id")),
            "name": _text(badge.get("name")),
            "description": _text(badge.get("description")),
            "criteria": _criteria(badge.get("criteria")),
            "image": node_id(badge.get("image")),
        },
        "subject": {"id": recipient_summary(assertion.get("recipient")), "name": None},
        "validFrom": _text(assertion.get("issuedOn")),
        "validUntil": _text(assertion.get("expires")),
        "openBadgesVersion": version,
    }
