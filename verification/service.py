"""Verify an Open Badges 3.0 credential and say, check by check, why it can or cannot be trusted.

The order follows OB 3.0 §9 (conformance, proof, status, recipient, endorsements) with the key-provenance
rule of the implementation guide (the key must belong to the issuer). A report is `valid` when no check
failed; warnings (weaker key provenance, status that could not be checked, VCDM 1.1) are shown but do not
invalidate. Input that cannot be verified at all raises InputError; every other problem becomes a check.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from verification import budget
from verification.errors import Indeterminate, InputError, VerificationError
from verification.inputs import (
    DEFAULT_LIMITS,
    InputLimits,
    ParsedInput,
    check_structure,
    credential_from_object,
    parse_input,
    unverified_jws_credential,
)
from verification.jwt import JwtVerification, decode_vc_jwt
from verification.keys import KeyResolver, VerificationMethod
from verification.report import (
    FAILED,
    INDETERMINATE,
    PASSED,
    SKIPPED,
    WARNING,
    Check,
    Report,
    summarize,
    verdict_of,
    worst,
)
from verification.schema import evaluate_schema
from verification.status import StatusListSource, check_status
from verification.suites import verify_proofs

logger = logging.getLogger(__name__)

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)?\.json$")
OB_CURRENT_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/clr/v2p0/context(-2\.\d\.\d)?\.json$")
CLR_TYPE = "ClrCredential"
# A CLR bundles credentials that are each verified in full; a document cannot make us do unbounded work.
MAX_EMBEDDED = 100
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
EXTENSION_TYPES = ("1EdTechJsonSchemaValidator2019", "1EdTechRevocationList", "1EdTechCredentialRefresh")
BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential", "EndorsementCredential")
# Proof suites that still verify but that a certified issuer would no longer produce.
DEPRECATED_SUITES = {
    "eddsa-2022": "eddsa-2022 is the deprecated name of eddsa-rdfc-2022",
    "Ed25519Signature2018": "Ed25519Signature2018 is a superseded suite",
}
# Each endorsement costs a full proof verification; a credential cannot make us do unbounded work.
MAX_ENDORSEMENTS = 20
MAX_LISTED_ISSUES = 5


def verify(
    data: bytes | str | dict[str, Any],
    *,
    resolver: KeyResolver,
    status_source: StatusListSource,
    now: datetime | None = None,
    recipient: str | None = None,
    filename: str | None = None,
    content_type: str | None = None,
    companion_status: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None,
    time_budget: float | None = None,
    outbound_budget: float | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> Report:
    """Verify one credential (JSON, VC-JWT, baked PNG/SVG, or an already parsed dict).

    `companion_status` lets a caller that knows more about an issuer add status entries the credential
    implies but cannot carry (OB 3.0 allows one `credentialStatus`; the platform publishes its
    suspension list beside the revocation list the credential names).

    Bounded work: the input must fit `limits` (size, JSON depth, longest array, number of values), and the
    whole verification, endorsements and bundled credentials included, runs within `time_budget` seconds
    (None: verification.budget.DEFAULT_SECONDS, 3 s), of which fetches may spend `outbound_budget` together
    (None: 2 s). A check the budget cuts short is `indeterminate` with code `too_complex`.

    Raises InputError when the input is not a usable credential at all (the caller answers 400 / exit 2;
    InputTooLarge: 413).
    """
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    with budget.limit(time_budget, outbound_seconds=outbound_budget):
        if isinstance(data, dict):
            check_structure(data, limits)
            parsed = ParsedInput(kind="json", credential=credential_from_object(data), jws=None, raw_text="")
        else:
            parsed = parse_input(data, filename=filename, content_type=content_type, limits=limits)
        context = _Context(
            resolver=resolver, status_source=status_source, now=moment, companion_status=companion_status
        )
        return _verify_parsed(parsed, context, recipient=recipient, endorsement=False)


class _Context:
    def __init__(
        self,
        *,
        resolver: KeyResolver,
        status_source: StatusListSource,
        now: datetime,
        companion_status: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None,
    ) -> None:
        self.resolver = resolver
        self.status_source = status_source
        self.now = now
        self.companion_status = companion_status


def _verify_parsed(parsed: ParsedInput, ctx: _Context, *, recipient: str | None, endorsement: bool) -> Report:
    checks: list[Check] = [_format_check(parsed)]
    jwt: JwtVerification | None = None
    unreadable_token: Check | None = None
    if parsed.jws is not None:
        # decode_vc_jwt raises InputError only for a token that carries no credential: unusable input.
        try:
            jwt = decode_vc_jwt(parsed.jws, ctx.resolver)
            credential: dict[str, Any] | None = jwt.credential
        except InputError:
            raise
        except Exception as exc:
            if not isinstance(exc, VerificationError):
                logger.exception("VC-JWT decoding raised unexpectedly")
            message = exc.message if isinstance(exc, VerificationError) else "The token could not be verified."
            unreadable_token = Check("proof", FAILED, message, getattr(exc, "code", "internal"))
            credential = unverified_jws_credential(parsed.jws)
    else:
        credential = parsed.credential
    if not isinstance(credential, dict):
        raise InputError("The input does not contain a credential object.")

    checks.append(_guard("context", lambda: _context_check(credential, endorsement=endorsement)))
    checks.extend(_guard_many("schema", lambda: _schema_checks(credential)))
    if unreadable_token is not None:
        checks.append(unreadable_token)
        checks.append(
            Check("issuer_key", SKIPPED, "No proof could be checked, so the key was not attributed.", "not_attributed")
        )
    elif jwt is not None:
        checks.extend(_guard_many("proof", lambda: _jwt_checks(jwt, credential)))
    else:
        checks.extend(_guard_many("proof", lambda: _ldp_checks(credential, ctx)))
    checks.extend(_guard_many("valid_from", lambda: _date_checks(credential, ctx.now)))
    checks.append(_guard("status", lambda: _status_check(credential, ctx)))
    refresh = credential.get("refreshService")
    if refresh is not None:
        checks.append(_refresh_check(refresh))
    if CLR_TYPE in _types(credential) and not endorsement:
        checks.append(_guard("embedded", lambda: _embedded_check(credential, ctx)))
    endorsement_reports: list[Report] = []
    if not endorsement:
        checks.append(_guard("endorsements", lambda: _endorsement_check(credential, ctx, endorsement_reports)))
        checks.append(_guard("recipient", lambda: _recipient_check(credential, recipient)))
    return Report(
        verdict=verdict_of(checks),
        format=parsed.format,
        checks=checks,
        credential=credential,
        summary=summarize(credential),
        endorsements=endorsement_reports,
    )


# --------------------------------------------------------------------------------------------------------------
# Guards: nothing a credential contains may turn into an unhandled exception.


def _guard(check_id: str, step: Callable[[], Check]) -> Check:
    return _guard_many(check_id, lambda: [step()])[0]


def _guard_many(check_id: str, step: Callable[[], list[Check]]) -> list[Check]:
    try:
        # Once the verification's time budget is spent, no further check starts (endorsements and bundled
        # credentials run their checks through here too, so they stop as well).
        budget.check()
        return step()
    except Indeterminate as exc:
        # Could not be completed (unreachable, too slow, budget spent): never a pass, never a forgery's failure.
        return [Check(check_id, INDETERMINATE, exc.message, exc.code)]
    except VerificationError as exc:
        return [Check(check_id, FAILED, exc.message, exc.code)]
    except Exception:
        # A defect in a check must not crash the report nor pass silently: log it, fail the check.
        logger.exception("verification step %s raised unexpectedly", check_id)
        return [Check(check_id, FAILED, "This check could not be completed because of an internal error.", "internal")]


# --------------------------------------------------------------------------------------------------------------
# format, context, schema


def _format_check(parsed: ParsedInput) -> Check:
    kind = "a VC-JWT (compact JWS)" if parsed.jws is not None else "JSON with embedded proofs (Data Integrity)"
    where = {"png": ", baked in a PNG image", "svg": ", baked in an SVG image"}.get(parsed.kind, "")
    return Check("format", PASSED, f"The credential is {kind}{where}.", parsed.format)


def _types(document: dict[str, Any]) -> list[Any]:
    declared = document.get("type")
    return declared if isinstance(declared, list) else [declared]


def _uses_extension_types(value: Any, depth: int = 0) -> bool:
    if depth > 32:
        return False
    if isinstance(value, dict):
        declared = value.get("type")
        declared = declared if isinstance(declared, list) else [declared]
        if any(item in EXTENSION_TYPES for item in declared):
            return True
        return any(_uses_extension_types(item, depth + 1) for key, item in value.items() if key != "@context")
    if isinstance(value, list):
        return any(_uses_extension_types(item, depth + 1) for item in value)
    return False


def _context_check(credential: dict[str, Any], *, endorsement: bool) -> Check:
    problems: list[str] = []
    notes: list[str] = []
    context = credential.get("@context")
    contexts = [context] if isinstance(context, str) else context
    if not isinstance(contexts, list) or not contexts:
        return Check("context", FAILED, "The credential has no @context array.", "context_invalid")
    first = contexts[0]
    if first == VC_V1:
        notes.append(
            "it uses the VCDM 1.1 context: Open Badges 3.0 is built on VCDM 2.0 and accepts 1.1 credentials "
            "for verification only"
        )
    elif first != VC_V2:
        problems.append(f"the first @context item must be {VC_V2} (or the VCDM 1.1 context), not {first!r}")
    types = _types(credential)
    if CLR_TYPE in types and not endorsement:
        return _clr_context_check(contexts, types, problems)
    ob_positions = [index for index, item in enumerate(contexts) if isinstance(item, str) and OB_CONTEXT.match(item)]
    if not ob_positions:
        problems.append(
            "the Open Badges 3.0 context (https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json) is missing"
        )
    else:
        ob_context = contexts[ob_positions[0]]
        if ob_positions[0] != 1:
            notes.append("the Open Badges context should be the second @context item")
        if ob_context != OB_CURRENT_CONTEXT:
            notes.append(
                f"it uses an older Open Badges context ({ob_context.rsplit('/', 1)[-1]}; current: context-3.0.3.json)"
            )
    if OB_EXTENSIONS not in contexts and _uses_extension_types(credential):
        notes.append(
            "it uses 1EdTech extension types without the extensions context "
            "(https://purl.imsglobal.org/spec/ob/v3p0/extensions.json)"
        )

    if "VerifiableCredential" not in types:
        problems.append("its type does not include VerifiableCredential")
    wanted = ("EndorsementCredential",) if endorsement else BADGE_TYPES
    if not any(item in wanted for item in types):
        problems.append(f"its type {types!r} includes none of {', '.join(wanted)}")

    if problems:
        return Check(
            "context", FAILED, "Not an Open Badges 3.0 credential: " + "; ".join(problems) + ".", "context_invalid"
        )
    badge_type = next(item for item in types if item in wanted)
    if notes:
        return Check("context", WARNING, f"{badge_type}, but " + "; ".join(notes) + ".", "context_warning")
    return Check("context", PASSED, f"{badge_type} with the VCDM 2.0 and Open Badges 3.0 contexts.", "context_valid")


def _clr_context_check(contexts: list[Any], types: list[Any], problems: list[str]) -> Check:
    """A CLR 2.0 ClrCredential: the VCDM 2.0 context first and the CLR 2.0 context, which defines its terms."""
    if not any(isinstance(item, str) and CLR_CONTEXT.match(item) for item in contexts):
        problems.append("the CLR 2.0 context (https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json) is missing")
    if "VerifiableCredential" not in types:
        problems.append("its type does not include VerifiableCredential")
    if problems:
        return Check("context", FAILED, "Not a CLR 2.0 credential: " + "; ".join(problems) + ".", "context_invalid")
    return Check("context", PASSED, "ClrCredential with the VCDM 2.0 and CLR 2.0 contexts.", "context_valid")


def _schema_checks(credential: dict[str, Any]) -> list[Check]:
    result = evaluate_schema(credential)
    checks: list[Check] = []
    rules = " (VCDM 1.1 relaxed rules)" if result.relaxed else ""
    if result.issues:
        listed = "; ".join(str(issue) for issue in result.issues[:MAX_LISTED_ISSUES])
        more = len(result.issues) - MAX_LISTED_ISSUES
        tail = f"; and {more} more" if more > 0 else ""
        count = len(result.issues)
        checks.append(
            Check(
                "schema",
                FAILED,
                f"The credential does not conform to the Open Badges 3.0 JSON Schema{rules}: {count} "
                f"problem{'s' if count != 1 else ''}: {listed}{tail}.",
                "schema_invalid",
            )
        )
    elif not result.applied:
        checks.append(Check("schema", SKIPPED, "No bundled JSON Schema applies to this credential type.", "no_schema"))
    else:
        names = ", ".join(result.applied)
        checks.append(
            Check("schema", PASSED, f"The credential conforms to the JSON Schema ({names}){rules}.", "schema_valid")
        )
    if result.skipped:
        checks.append(
            Check(
                "schema_external",
                SKIPPED,
                "Not validated: " + "; ".join(result.skipped) + ".",
                "schema_not_bundled",
            )
        )
    return checks


# --------------------------------------------------------------------------------------------------------------
# proof and issuer key


def issuer_id(credential: dict[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _ldp_checks(credential: dict[str, Any], ctx: _Context) -> list[Check]:
    if not credential.get("proof"):
        return [
            Check("proof", FAILED, "The credential carries no proof, so nothing shows who issued it.", "no_proof"),
            Check("issuer_key", SKIPPED, "No proof, so no key to attribute.", "not_attributed"),
        ]
    results = verify_proofs(credential, ctx.resolver)
    if not results:
        return [
            Check("proof", FAILED, "No proof in the credential could be read.", "no_proof"),
            Check("issuer_key", SKIPPED, "No proof, so no key to attribute.", "not_attributed"),
        ]
    lines = []
    for number, result in enumerate(results, start=1):
        label = result.suite or "unknown suite"
        lines.append(f"proof {number} ({label}): {result.message}" if len(results) > 1 else result.message)
    message = " ".join(_sentence(line) for line in lines)
    verified = [result for result in results if result.verified]
    # A controller mismatch means the signature itself is correct; whether the key may speak for the issuer
    # is the issuer_key check's question, so the two findings are reported separately.
    signed = verified or [result for result in results if result.code == "controller_mismatch"]
    if not signed:
        return [
            Check("proof", FAILED, message, results[0].code),
            Check(
                "issuer_key",
                SKIPPED,
                "No proof verified, so the key was not attributed to the issuer.",
                "not_attributed",
            ),
        ]
    chosen = signed[0]
    deprecated = _deprecated(chosen.proof)
    status = WARNING if deprecated else PASSED
    if deprecated:
        message += f" Note: {deprecated}."
    return [Check("proof", status, message, chosen.code), _key_check(chosen.verification_method, credential)]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _deprecated(proof: dict[str, Any] | None) -> str | None:
    if not isinstance(proof, dict):
        return None
    return DEPRECATED_SUITES.get(str(proof.get("cryptosuite"))) or DEPRECATED_SUITES.get(str(proof.get("type")))


def _resolvable(identifier: str) -> bool:
    """Whether an issuer id can name keys at all: a URL or DID can, a urn:uuid or similar cannot."""
    return identifier.startswith(("https://", "http://", "did:"))


def _key_check(method: VerificationMethod | None, credential: dict[str, Any]) -> Check:
    issuer = issuer_id(credential)
    if method is None:
        return Check("issuer_key", WARNING, "The proof verified but its key was not reported.", "key_unknown")
    if issuer is None:
        return Check("issuer_key", FAILED, "The credential names no issuer id to attribute the key to.", "no_issuer")
    if "assertionMethod" not in method.relationships:
        return Check(
            "issuer_key",
            FAILED,
            f"The key {method.id} is not listed under assertionMethod, so it may not be used to issue credentials.",
            "not_assertion_method",
        )
    if method.controller != issuer:
        if not _resolvable(issuer):
            # Nothing can bind a key to an identifier like urn:uuid:…; the 1EdTech validator accepts such
            # credentials, so this is reported prominently rather than failed.
            return Check(
                "issuer_key",
                WARNING,
                f"The issuer id {issuer} cannot be resolved to keys, so the signing key ({method.controller}) cannot "
                "be confirmed as the issuer's: the issuer's identity is not verified.",
                "issuer_unbound",
            )
        return Check(
            "issuer_key",
            FAILED,
            f"The key {method.id} is controlled by {method.controller}, not by the issuer {issuer}.",
            "controller_mismatch",
        )
    if method.provenance == "fragment":
        return Check(
            "issuer_key",
            WARNING,
            f"The key was taken from the verification method URL itself ({method.id}) without the issuer's "
            "document confirming it: anyone can sign with a key named that way.",
            "key_from_fragment",
        )
    if method.provenance == "did:key":
        return Check("issuer_key", PASSED, f"The issuer {issuer} is a did:key: the identifier is the key.", "key_bound")
    return Check("issuer_key", PASSED, f"The signing key {method.id} is listed by the issuer {issuer}.", "key_bound")


def _jwt_checks(jwt: JwtVerification, credential: dict[str, Any]) -> list[Check]:
    """Fold the VC-JWT checks into `proof` (header, signature, claims) and `issuer_key` (key, controller)."""
    proof_parts = [check for check in jwt.checks if check[0] in ("jwt_header", "jwt_signature", "jwt_claims")]
    key_parts = [check for check in jwt.checks if check[0] not in ("jwt_header", "jwt_signature", "jwt_claims")]
    proof_status = worst([status for _, status, _ in proof_parts]) if proof_parts else FAILED
    if not jwt.signature_valid:
        proof_status = FAILED
    proof_message = " ".join(_sentence(message) for _, _, message in proof_parts)
    checks = [Check("proof", proof_status, proof_message or "The token could not be checked.", "jwt")]
    if key_parts:
        key_status = worst([status for _, status, _ in key_parts])
        key_message = " ".join(_sentence(message) for _, _, message in key_parts)
        code = "controller_mismatch" if any(c[0] == "controller_mismatch" for c in key_parts) else "jwt_key"
        checks.append(Check("issuer_key", key_status, key_message, code))
    else:
        checks.append(Check("issuer_key", SKIPPED, "The token names no key.", "not_attributed"))
    return checks


# --------------------------------------------------------------------------------------------------------------
# dates


def _parse_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _date_checks(credential: dict[str, Any], now: datetime) -> list[Check]:
    start_name = "validFrom" if "validFrom" in credential or "issuanceDate" not in credential else "issuanceDate"
    end_name = "validUntil" if "validUntil" in credential or "expirationDate" not in credential else "expirationDate"
    checks = []
    start_value = credential.get(start_name)
    start = _parse_datetime(start_value)
    if start_value is None:
        checks.append(Check("valid_from", FAILED, f"The credential has no {start_name} date.", "missing"))
    elif start is None:
        checks.append(Check("valid_from", FAILED, f"{start_name} {start_value!r} is not a valid date-time.", "invalid"))
    elif now < start:
        checks.append(
            Check(
                "valid_from",
                FAILED,
                f"The credential is not valid yet: it is valid from {start_value}.",
                "not_yet_valid",
            )
        )
    else:
        checks.append(Check("valid_from", PASSED, f"Valid since {start_value}.", "valid_from"))

    end_value = credential.get(end_name)
    end = _parse_datetime(end_value)
    if end_value is None:
        checks.append(Check("valid_until", PASSED, "The credential does not expire.", "no_expiry"))
    elif end is None:
        checks.append(Check("valid_until", FAILED, f"{end_name} {end_value!r} is not a valid date-time.", "invalid"))
    elif now > end:
        checks.append(Check("valid_until", FAILED, f"The credential expired on {end_value}.", "expired"))
    else:
        checks.append(Check("valid_until", PASSED, f"Valid until {end_value}.", "not_expired"))
    return checks


# --------------------------------------------------------------------------------------------------------------
# status, refresh


def _list_signature_ok(list_credential: dict[str, Any], resolver: KeyResolver) -> bool:
    """A status list counts only when one of its proofs verifies with a key of the list's own issuer."""
    list_issuer = issuer_id(list_credential)
    for result in verify_proofs(list_credential, resolver):
        method = result.verification_method
        if result.verified and method is not None and (list_issuer is None or method.controller == list_issuer):
            return True
    return False


def _status_check(credential: dict[str, Any], ctx: _Context) -> Check:
    extra = ctx.companion_status(credential) if ctx.companion_status else []
    if extra:
        declared = credential.get("credentialStatus")
        declared = declared if isinstance(declared, list) else [declared] if declared is not None else []
        credential = {**credential, "credentialStatus": [*declared, *extra]}
    outcomes = check_status(
        credential,
        ctx.status_source,
        verify_list=lambda document: _list_signature_ok(document, ctx.resolver),
        now=ctx.now,
    )
    status = worst([outcome.status for outcome in outcomes])
    chosen = next(outcome for outcome in outcomes if outcome.status == status)
    message = " ".join(_sentence(outcome.message) for outcome in outcomes)
    return Check("status", status, message, chosen.code)


def _refresh_check(refresh: Any) -> Check:
    service = refresh if isinstance(refresh, dict) else {}
    where = service.get("id") if isinstance(service.get("id"), str) else "an unnamed service"
    kind = service.get("type") if isinstance(service.get("type"), str) else "unknown type"
    return Check(
        "refresh",
        SKIPPED,
        f"The credential names a refresh service ({kind}, {where}); refreshed credentials are not fetched, "
        "so the credential was verified as presented.",
        "refresh_not_followed",
    )


# --------------------------------------------------------------------------------------------------------------
# endorsements


def _embedded_endorsements(credential: dict[str, Any]) -> list[tuple[str, Any]]:
    """(where, endorsement) for the credential's, the issuer's and the achievement's endorsements."""
    holders: list[tuple[str, Any]] = [("credential", credential)]
    issuer = credential.get("issuer")
    holders.append(("issuer", issuer))
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    holders.append(("achievement", achievement))
    if isinstance(achievement, dict):
        holders.append(("achievement creator", achievement.get("creator")))
    found: list[tuple[str, Any]] = []
    for where, holder in holders:
        if not isinstance(holder, dict):
            continue
        for key in ("endorsement", "endorsementJwt"):
            items = holder.get(key)
            items = items if isinstance(items, list) else ([] if items is None else [items])
            found.extend((where, item) for item in items)
    return found


def _verify_embedded(item: Any, ctx: _Context, *, endorsement: bool) -> Report:
    """A credential carried inside another (an endorsement, a CLR's bundle): a JSON object or a compact JWS."""
    if isinstance(item, dict):
        parsed = ParsedInput(kind="json", credential=credential_from_object(item), jws=None, raw_text="")
    elif isinstance(item, str):
        parsed = parse_input(item)
    else:
        raise InputError("it is neither an object nor a compact JWS")
    return _verify_parsed(parsed, ctx, recipient=None, endorsement=endorsement)


def _endorsement_check(credential: dict[str, Any], ctx: _Context, reports: list[Report]) -> Check:
    endorsements = _embedded_endorsements(credential)
    if not endorsements:
        return Check("endorsements", SKIPPED, "The credential carries no endorsements.", "none")
    problems: list[str] = []
    for number, (where, item) in enumerate(endorsements[:MAX_ENDORSEMENTS], start=1):
        label = f"endorsement {number} (of the {where})"
        try:
            report = _verify_embedded(item, ctx, endorsement=True)
        except VerificationError as exc:
            problems.append(f"{label} cannot be read: {exc.message}")
            continue
        reports.append(report)
        if not report.valid:
            endorser = report.summary["issuer"]["name"] or report.summary["issuer"]["id"] or "unknown endorser"
            failed = ", ".join(check.id for check in report.failures)
            problems.append(f"{label} by {endorser} failed ({failed})")
    if len(endorsements) > MAX_ENDORSEMENTS:
        problems.append(f"only the first {MAX_ENDORSEMENTS} of {len(endorsements)} endorsements were checked")
    checked = min(len(endorsements), MAX_ENDORSEMENTS)
    if problems:
        # An endorsement is a third party's statement about the badge; a bad one does not make the badge
        # itself invalid, so it is a warning.
        text = "; ".join(problems)
        return Check("endorsements", WARNING, _sentence(text[:1].upper() + text[1:]), "endorsement_invalid")
    plural = "s" if checked != 1 else ""
    return Check("endorsements", PASSED, f"{checked} endorsement{plural} verified.", "endorsements_valid")


def _embedded_check(credential: dict[str, Any], ctx: _Context) -> Check:
    """Each credential a CLR bundles, verified on its own in full: the CLR is valid only if every one is."""
    subject = credential.get("credentialSubject")
    items = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    if items is None:
        return Check("embedded", SKIPPED, "The CLR bundles no credentials.", "none")
    items = items if isinstance(items, list) else [items]
    problems: list[str] = []
    for number, item in enumerate(items[:MAX_EMBEDDED], start=1):
        label = f"credential {number}"
        try:
            report = _verify_embedded(item, ctx, endorsement=False)
        except VerificationError as exc:
            problems.append(f"{label} cannot be read: {exc.message}")
            continue
        if not report.valid:
            name = report.summary.get("achievement", {}).get("name") or "unnamed"
            failed = ", ".join(check.id for check in report.failures)
            problems.append(f"{label} ({name}) failed ({failed})")
    if len(items) > MAX_EMBEDDED:
        problems.append(f"only the first {MAX_EMBEDDED} of {len(items)} credentials can be checked")
    if problems:
        text = "; ".join(problems)
        return Check("embedded", FAILED, _sentence(text[:1].upper() + text[1:]), "embedded_invalid")
    plural = "s" if len(items) != 1 else ""
    return Check("embedded", PASSED, f"All {len(items)} bundled credential{plural} verify.", "embedded_valid")


# --------------------------------------------------------------------------------------------------------------
# recipient


def identity_matches(identity: dict[str, Any], candidate: str) -> bool:
    """OB 3.0 §9.3: hashed → `<alg>$<hex>` of UTF-8(candidate ‖ salt), hex compared case-insensitively;
    not hashed → plaintext comparison."""
    value = identity.get("identityHash")
    if not isinstance(value, str):
        return False
    if identity.get("hashed") is False:
        return hmac.compare_digest(value.encode("utf-8"), candidate.encode("utf-8"))
    algorithm, sep, expected = value.partition("$")
    algorithm = algorithm.lower()
    if not sep or algorithm not in ("sha256", "md5"):
        return False
    salt = identity.get("salt")
    salt = salt if isinstance(salt, str) else ""
    digest = hashlib.new(algorithm, (candidate + salt).encode("utf-8"), usedforsecurity=False).hexdigest()
    return hmac.compare_digest(digest, expected.strip().lower())


def _recipient_check(credential: dict[str, Any], recipient: str | None) -> Check:
    if recipient is None:
        return Check("recipient", SKIPPED, "No recipient was given to compare with.", "not_requested")
    candidate = recipient.strip()
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    for item in subjects:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("id"), str) and item["id"] == candidate:
            return Check("recipient", PASSED, "The credential was issued to the given recipient (subject id).", "match")
        identifiers = item.get("identifier")
        identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
        for identity in identifiers:
            if isinstance(identity, dict) and identity_matches(identity, candidate):
                kind = identity.get("identityType", "identifier")
                how = "hashed" if identity.get("hashed") is not False else "plain"
                return Check(
                    "recipient",
                    PASSED,
                    f"The credential was issued to the given recipient ({kind}, {how} identifier).",
                    "match",
                )
    return Check("recipient", FAILED, "The credential was not issued to the given recipient.", "no_match")
