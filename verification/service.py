"""Verify an Open Badges 3.0 credential and say, check by check, why it can or cannot be trusted.

The order follows OB 3.0 §9 (conformance, proof, status, recipient, endorsements) with the key-binding rule
of verification/binding.py (a signature counts only with a key bound to the issuer). The verdict is three-
valued: `valid` when every required check passed, `invalid` when one failed, `indeterminate` when none failed
but one could not be completed (a document or list unreachable, the work budget spent). Warnings (VCDM 1.1, a
deprecated suite, a failed endorsement) are shown but change nothing. Input that cannot be verified at all
raises InputError; the platform being unable to answer raises PlatformUnavailable; every other problem becomes
a check.

This module runs the checks in that order and guards each; the checks themselves live in verification.checks,
one module per group (conformance, proof, dates, status, embedded credentials, recipient).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from verification import budget
from verification.binding import IssuerProfiles
from verification.checks.common import VerificationContext, guard, guard_many, types_of
from verification.checks.conformance import CLR_TYPE, context_check, data_model_check, schema_checks
from verification.checks.dates import date_checks
from verification.checks.embedded import embedded_check, endorsement_check
from verification.checks.proof import issuer_id, jwt_checks, ldp_checks
from verification.checks.recipient import identity_matches, recipient_check
from verification.checks.status import refresh_check, status_check
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
from verification.ob2.documents import DocumentFetcher, Documents
from verification.ob2.model import is_ob2_assertion
from verification.ob2.verifier import verify_ob2
from verification.report import FAILED, INDETERMINATE, PASSED, SKIPPED, Check, Report, summarize, verdict_of
from verification.resolvers import CompositeResolver
from verification.status import StatusListSource

# identity_matches and issuer_id are defined with their checks (verification.checks) and offered here too.
__all__ = ["identity_matches", "issuer_id", "verify"]

logger = logging.getLogger(__name__)


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
    fetcher: DocumentFetcher | None = None,
) -> Report:
    """Verify one credential (JSON, VC-JWT, baked PNG/SVG, or an already parsed dict) — or an Open Badges 2.0 /
    2.1 assertion in any of those forms or as its URL (verification.ob2), reported in the same shape.

    `issuer_profiles` fetches the profile of an https issuer to see whether it vouches for a key controlled by
    someone else (a DID it links); by default the resolver is asked when it can (CompositeResolver can).

    `companion_status` lets a caller that knows more about an issuer add status entries the credential
    implies but cannot carry (OB 3.0 allows one `credentialStatus`; the platform publishes its
    suspension list beside the revocation list the credential names).

    Bounded work: the input must fit `limits` (size, JSON depth, longest array, number of values), and the
    whole verification, endorsements and bundled credentials included, runs within `time_budget` seconds
    (None: verification.budget.DEFAULT_SECONDS, 3 s), of which fetches may spend `outbound_budget` together
    (None: 2 s). A check the budget cuts short is `indeterminate` with code `too_complex`.

    `fetcher` fetches an Open Badges 2.0 badge's documents (hosted assertion, BadgeClass, issuer profile, key,
    revocation list); by default the resolver's client when it has one (CompositeResolver), else none (they are
    then reported as could not be checked).

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
            if is_ob2_assertion(data):
                parsed = ParsedInput(kind="json", credential=data, jws=None, raw_text="", ob2=True)
            else:
                parsed = ParsedInput(kind="json", credential=credential_from_object(data), jws=None, raw_text="")
        else:
            parsed = parse_input(data, filename=filename, content_type=content_type, limits=limits)
        if parsed.ob2:
            if fetcher is None and isinstance(resolver, CompositeResolver):
                fetcher = resolver.client
            documents = Documents(fetcher, limits)
            return verify_ob2(parsed, documents, now=moment, recipient=recipient)
        context = VerificationContext(
            resolver=resolver,
            status_source=status_source,
            now=moment,
            companion_status=companion_status,
            issuer_profiles=issuer_profiles,
        )
        return _verify_parsed(parsed, context, recipient=recipient, endorsement=False)


def _verify_parsed(
    parsed: ParsedInput, ctx: VerificationContext, *, recipient: str | None, endorsement: bool
) -> Report:
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

    checks.append(guard("context", lambda: context_check(credential, endorsement=endorsement)))
    checks.append(guard("data_model", lambda: data_model_check(credential)))
    checks.extend(guard_many("schema", lambda: schema_checks(credential)))
    if unreadable_token is not None:
        checks.append(unreadable_token)
        checks.append(
            Check("issuer_key", SKIPPED, "No proof could be checked, so the key was not attributed.", "not_attributed")
        )
    elif jwt is not None:
        checks.extend(guard_many("proof", lambda: jwt_checks(jwt, credential, ctx)))
    else:
        checks.extend(guard_many("proof", lambda: ldp_checks(credential, ctx)))
    checks.extend(guard_many("valid_from", lambda: date_checks(credential, ctx.now)))
    checks.append(guard("status", lambda: status_check(credential, ctx)))
    refresh = credential.get("refreshService")
    if refresh is not None:
        checks.append(refresh_check(refresh))
    if CLR_TYPE in types_of(credential) and not endorsement:
        bundled = partial(_verify_embedded, ctx=ctx, endorsement=False)
        checks.append(guard("embedded", lambda: embedded_check(credential, bundled)))
    endorsement_reports: list[Report] = []
    if not endorsement:
        endorsed = partial(_verify_embedded, ctx=ctx, endorsement=True)
        checks.append(guard("endorsements", lambda: endorsement_check(credential, endorsed, endorsement_reports)))
        checks.append(guard("recipient", lambda: recipient_check(credential, recipient)))
    return Report(
        verdict=verdict_of(checks),
        format=parsed.format,
        checks=checks,
        credential=credential,
        summary=summarize(credential),
        endorsements=endorsement_reports,
    )


def _verify_embedded(item: Any, ctx: VerificationContext, *, endorsement: bool) -> Report:
    """A credential carried inside another (an endorsement, a CLR's bundle): a JSON object or a compact JWS."""
    if isinstance(item, dict):
        parsed = ParsedInput(kind="json", credential=credential_from_object(item), jws=None, raw_text="")
    elif isinstance(item, str):
        parsed = parse_input(item)
    else:
        raise InputError("it is neither an object nor a compact JWS")
    return _verify_parsed(parsed, ctx, recipient=None, endorsement=endorsement)


def _format_check(parsed: ParsedInput) -> Check:
    kind = "a VC-JWT (compact JWS)" if parsed.jws is not None else "JSON with embedded proofs (Data Integrity)"
    where = {"png": ", baked in a PNG image", "svg": ", baked in an SVG image"}.get(parsed.kind, "")
    return Check("format", PASSED, f"The credential is {kind}{where}.", parsed.format)
