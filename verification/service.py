"""Verify an Open Badges 3.0 credential and say, check by check, why it can or cannot be trusted.

The order follows OB 3.0 §9 (conformance, proof, status, recipient, endorsements) with the key-binding rule
of verification/binding.py (a signature counts only with a key bound to the issuer). The verdict is three-
valued: `valid` when every required check passed, `invalid` when one failed, `indeterminate` when none failed
but one could not be completed (a document or list unreachable, the work budget spent). Warnings (VCDM 1.1, a
deprecated suite, a failed endorsement) are shown but change nothing. Input that cannot be verified at all
raises InputError; the platform being unable to answer raises PlatformUnavailable; every other problem becomes
a check.
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
from verification.binding import IssuerProfiles, bind
from verification.errors import Indeterminate, InputError, PlatformUnavailable, VerificationError
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
from verification.keys import KeyResolver
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
from verification.suites.base import ProofResult

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
    issuer_profiles: IssuerProfiles | None = None,
    time_budget: float | None = None,
    outbound_budget: float | None = None,
    limits: InputLimits = DEFAULT_LIMITS,
) -> Report:
    """Verify one credential (JSON, VC-JWT, baked PNG/SVG, or an already parsed dict).

    `issuer_profiles` fetches the profile of an https issuer to see whether it vouches for a key controlled by
    someone else (a DID it links); by default the resolver is asked when it can (CompositeResolver can).

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
    if issuer_profiles is None and isinstance(resolver, IssuerProfiles):
        issuer_profiles = resolver
    with budget.limit(time_budget, outbound_seconds=outbound_budget):
        if isinstance(data, dict):
            check_structure(data, limits)
            parsed = ParsedInput(kind="json", credential=credential_from_object(data), jws=None, raw_text="")
        else:
            parsed = parse_input(data, filename=filename, content_type=content_type, limits=limits)
        context = _Context(
            resolver=resolver,
            status_source=status_source,
            now=moment,
            companion_status=companion_status,
            issuer_profiles=issuer_profiles,
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
        issuer_profiles: IssuerProfiles | None = None,
    ) -> None:
        self.resolver = resolver
        self.status_source = status_source
        self.now = now
        self.companion_status = companion_status
        self.issuer_profiles = issuer_profiles


def _verify_parsed(parsed: ParsedInput, ctx: _Context, *, recipient: str | None, endorsement: bool) -> Report:
    checks: list[Check] = [_format_check(parsed)]
    jwt: JwtVerification | None = None
    unreadable_token: Check | None = None
    if parsed.jws is not None:
        # decode_vc_jwt raises InputError only for a token that carries no credential: unusable input.
        try:
            jwt = decode_vc_jwt(parsed.jws, ctx.resolver)
            credential: dict[str, Any] | None = jwt.credential
        except (InputError, PlatformUnavailable):
            raise
        except Exception as exc:
            if not isinstance(exc, VerificationError):
                logger.exception("VC-JWT decoding raised unexpectedly")
            message = exc.message if isinstance(exc, VerificationError) else "The token could not be verified."
            # The budget running out while the token was checked leaves it unchecked, not refuted.
            status = INDETERMINATE if isinstance(exc, Indeterminate) else FAILED
            unreadable_token = Check("proof", status, message, getattr(exc, "code", "internal"))
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
        checks.extend(_guard_many("proof", lambda: _jwt_checks(jwt, credential, ctx)))
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
    except PlatformUnavailable:
        # Not a finding about the credential: the caller answers "try again later" (503), never "invalid".
        raise
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
    """Every proof in the set must verify (VC Data Integrity: a proof set holds only if each proof does), and at
    least one must be made with a key bound to the issuer; the others are bound to their own controllers by
    resolution (an endorser's additional proof)."""
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
    # A controller mismatch means the signature itself is correct; whether the key may speak for the issuer
    # is the issuer_key check's question, so the two findings are reported separately.
    signed = [result for result in results if result.verified or result.code == "controller_mismatch"]
    broken = [r for r in results if not (r.verified or r.code == "controller_mismatch" or r.indeterminate)]
    unchecked = [result for result in results if result.indeterminate]
    chain = _chain_problem(results)
    if broken or chain:
        first = broken[0].code if broken else "proof_chain_invalid"
        text = message if not chain else f"{message} {chain}"
        return [Check("proof", FAILED, text, first), _attribution(signed, credential, ctx)]
    if unchecked:
        return [Check("proof", INDETERMINATE, message, unchecked[0].code), _attribution(signed, credential, ctx)]
    chosen = signed[0]
    deprecated = _deprecated(chosen.proof)
    status = WARNING if deprecated else PASSED
    if deprecated:
        message += f" Note: {deprecated}."
    return [Check("proof", status, message, chosen.code), _attribution(signed, credential, ctx)]


def _chain_problem(results: list[ProofResult]) -> str | None:
    """A `previousProof` must name proofs of the same set and the chain must not loop (VC Data Integrity §4)."""
    proofs = [result.proof for result in results if isinstance(result.proof, dict)]
    ids = {proof.get("id") for proof in proofs if isinstance(proof.get("id"), str)}
    follows: dict[str, list[str]] = {}
    for proof in proofs:
        previous = proof.get("previousProof")
        if previous is None:
            continue
        named: list[object] = (
            [previous] if isinstance(previous, str) else list(previous) if isinstance(previous, list) else [None]
        )
        if any(not isinstance(item, str) or item not in ids for item in named):
            return "A previousProof names a proof that is not in the credential's proof set."
        if isinstance(proof.get("id"), str):
            follows[proof["id"]] = [item for item in named if isinstance(item, str)]
    visiting: set[str] = set()
    done: set[str] = set()

    def loops(node: str) -> bool:
        if node in done:
            return False
        if node in visiting:
            return True
        visiting.add(node)
        found = any(loops(item) for item in follows.get(node, []))
        visiting.discard(node)
        done.add(node)
        return found

    if any(loops(node) for node in follows):
        return "The proofs' previousProof references form a loop."
    return None


def _attribution(signed: list[ProofResult], credential: dict[str, Any], ctx: _Context) -> Check:
    """issuer_key: at least one correctly signed proof's key is bound to the issuer."""
    if not signed:
        return Check(
            "issuer_key", SKIPPED, "No proof verified, so the key was not attributed to the issuer.", "not_attributed"
        )
    issuer = issuer_id(credential)
    bindings = []
    for result in signed:
        if result.verification_method is None:
            continue
        binding = bind(result.verification_method, issuer, ctx.issuer_profiles)
        if binding.bound:
            return Check("issuer_key", PASSED, binding.message, binding.code)
        bindings.append(binding)
    if not bindings:
        return Check("issuer_key", FAILED, "The proof verified but its key was not reported.", "key_not_bound")
    pending = [binding for binding in bindings if binding.status == INDETERMINATE]
    if pending:
        return Check("issuer_key", INDETERMINATE, pending[0].message, pending[0].code)
    return Check("issuer_key", FAILED, bindings[0].message, bindings[0].code)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _deprecated(proof: dict[str, Any] | None) -> str | None:
    if not isinstance(proof, dict):
        return None
    return DEPRECATED_SUITES.get(str(proof.get("cryptosuite"))) or DEPRECATED_SUITES.get(str(proof.get("type")))


def _jwt_checks(jwt: JwtVerification, credential: dict[str, Any], ctx: _Context) -> list[Check]:
    """Fold the VC-JWT checks into `proof` (header, signature, claims) and `issuer_key` (key found, bound)."""
    proof_parts = [check for check in jwt.checks if check[0] in ("jwt_header", "jwt_signature", "jwt_claims")]
    key_parts = [check for check in jwt.checks if check[0] not in ("jwt_header", "jwt_signature", "jwt_claims")]
    proof_status = worst([status for _, status, _ in proof_parts]) if proof_parts else FAILED
    if not jwt.signature_valid and proof_status != INDETERMINATE:
        proof_status = FAILED
    proof_message = " ".join(_sentence(message) for _, _, message in proof_parts)
    checks = [Check("proof", proof_status, proof_message or "The token could not be checked.", "jwt")]
    key_status = worst([status for _, status, _ in key_parts]) if key_parts else SKIPPED
    if key_status in (FAILED, INDETERMINATE):
        culprit = next(part for part in key_parts if part[1] == key_status)
        checks.append(Check("issuer_key", key_status, _sentence(culprit[2]), culprit[0]))
    elif jwt.verification_method is None:
        checks.append(Check("issuer_key", SKIPPED, "The token names no key.", "not_attributed"))
    elif not jwt.signature_valid:
        checks.append(
            Check(
                "issuer_key", SKIPPED, "The signature did not verify, so the key was not attributed.", "not_attributed"
            )
        )
    else:
        binding = bind(jwt.verification_method, issuer_id(credential), ctx.issuer_profiles)
        checks.append(Check("issuer_key", binding.status, binding.message, binding.code))
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


def _list_signature_ok(list_credential: dict[str, Any], ctx: _Context) -> bool:
    """A status list counts only when its proofs verify with a key bound to the list's own issuer.

    False when a proof fails or no key is bound; Indeterminate when that could not be established.
    """
    list_issuer = issuer_id(list_credential)
    results = verify_proofs(list_credential, ctx.resolver)
    if not results or any(not r.verified and r.code != "controller_mismatch" and not r.indeterminate for r in results):
        return False
    pending = next((result for result in results if result.indeterminate), None)
    if pending is not None:
        raise Indeterminate(f"The status list's signature could not be checked: {pending.message}", code=pending.code)
    outcomes = [bind(r.verification_method, list_issuer, ctx.issuer_profiles) for r in results if r.verification_method]
    if any(outcome.bound for outcome in outcomes):
        return True
    pending_binding = next((outcome for outcome in outcomes if outcome.status == INDETERMINATE), None)
    if pending_binding is not None:
        raise Indeterminate(pending_binding.message, code=pending_binding.code)
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
        verify_list=lambda document: _list_signature_ok(document, ctx),
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
            if report.verdict == "invalid":
                problems.append(f"{label} by {endorser} failed ({', '.join(c.id for c in report.failures)})")
            else:
                unfinished = ", ".join(check.id for check in report.unfinished)
                problems.append(f"{label} by {endorser} could not be fully checked ({unfinished})")
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
    unfinished: list[str] = []
    for number, item in enumerate(items[:MAX_EMBEDDED], start=1):
        label = f"credential {number}"
        try:
            report = _verify_embedded(item, ctx, endorsement=False)
        except VerificationError as exc:
            problems.append(f"{label} cannot be read: {exc.message}")
            continue
        name = report.summary.get("achievement", {}).get("name") or "unnamed"
        if report.verdict == "invalid":
            problems.append(f"{label} ({name}) failed ({', '.join(check.id for check in report.failures)})")
        elif report.verdict == "indeterminate":
            checks = ", ".join(check.id for check in report.unfinished)
            unfinished.append(f"{label} ({name}) could not be fully checked ({checks})")
    if len(items) > MAX_EMBEDDED:
        problems.append(f"only the first {MAX_EMBEDDED} of {len(items)} credentials can be checked")
    if problems or unfinished:
        text = "; ".join(problems + unfinished)
        status, code = (FAILED, "embedded_invalid") if problems else (INDETERMINATE, "embedded_indeterminate")
        return Check("embedded", status, _sentence(text[:1].upper() + text[1:]), code)
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
