"""Writes of the wallet flow: offers, the transaction code, the token endpoint's grant, c_nonces, and handing out the
holder-bound credential (OpenID4VCI 1.0, pre-authorized code flow; docs/wallets.md, docs/decisions.md D54).

Deny by default: an offer is made only for the signed-in learner the award was made to, only while the award
holds, and everything a wallet presents afterwards (the code, the transaction code, the token, the nonce) is
checked here, single use and short-lived. Refusals of the protocol endpoints are ProtocolErrors carrying the
specification's error code; refusals on the learner's page are OfferRefused (a message for the learner) or
NotYourAward (403).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language, gettext, override
from django.utils.translation import gettext_lazy as _

from badges.models import Credential
from config import ratelimit
from config.tasks import enqueue
from issuer.selectors import NoActiveKey
from issuer.services import audit_record
from learners.models import LearnerProfile
from learners.selectors import signed_names
from wallets.binding import bound_credential
from wallets.errors import NotYourAward, ProtocolError
from wallets.metadata import CONFIGURATIONS, PRE_AUTHORIZED_GRANT, PROOF_TYPE, credential_issuer
from wallets.models import (
    Format,
    Protocol,
    WalletAccessToken,
    WalletNonce,
    WalletOffer,
    WalletTakeUp,
    secret_hash,
)
from wallets.proofs import ProofRefused, check_key_proof

# The pre-authorized code "MUST be short lived and single use" (§4.1.1); the access token stays under the 5 minutes
# after which §13.10 calls a bearer token long-lived; a nonce lives as long as a proof may be old (wallets.proofs).
OFFER_VALIDITY = timedelta(minutes=10)
TOKEN_VALIDITY = timedelta(minutes=5)
NONCE_VALIDITY = timedelta(minutes=5)
TX_CODE_LENGTH = 6
# Wrong transaction codes an offer survives (§13.6.3): a million codes, five guesses, then the offer is dead.
TX_CODE_MAX_FAILURES = 5
# States in which an award can be handed to a wallet: it holds, or will from its validFrom on.
HOLDING_STATES = {"active", "pending"}
MAIL_TIMEOUT_SECONDS = 10


class OfferRefused(Exception):
    """The award cannot go to a wallet now; the message is for the learner. `reason`: revoked, suspended, expired,
    or rate (too many offers asked for: `retry_after` seconds)."""

    MESSAGES = {
        "revoked": _("This credential was revoked by its issuer, so it cannot be added to a wallet."),
        "suspended": _("This credential is suspended by its issuer, so it cannot be added to a wallet for now."),
        "expired": _("This credential has expired, so it cannot be added to a wallet."),
    }

    def __init__(self, reason: str, retry_after: int = 0) -> None:
        if reason == "rate":
            message = gettext(
                "You asked for many wallet offers in a short time. Please try again in %(minutes)d min."
            ) % {"minutes": -(-retry_after // 60)}
        else:
            message = str(self.MESSAGES[reason])
        super().__init__(message)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class OfferMade:
    """A new offer, with what only this moment knows: the Credential Offer (holding the code in clear) and its
    `openid-credential-offer://` URI, passed by value (§4.1.2)."""

    offer: WalletOffer
    document: dict[str, Any]
    uri: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- the learner's offer --------------------------------------------------------------------------------------


def offer_document(code: str, *, tx_code_required: bool) -> dict[str, Any]:
    """The Credential Offer object (§4.1.1): both configurations, the pre-authorized code, the transaction code's
    shape when one is required (its description in the active language: the page's, §4.1.1 allows no other way)."""
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if tx_code_required:
        description = gettext("Enter the 6-digit code we sent to your e-mail address.")
        grant["tx_code"] = {"input_mode": "numeric", "length": TX_CODE_LENGTH, "description": description[:300]}
    return {
        "credential_issuer": credential_issuer(),
        "credential_configuration_ids": list(CONFIGURATIONS),
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_uri(document: dict[str, Any]) -> str:
    """`openid-credential-offer://?credential_offer=…`: the wallet's custom scheme (§12.1.1), the offer by value."""
    encoded = quote(json.dumps(document, separators=(",", ":"), ensure_ascii=True), safe="")
    return f"openid-credential-offer://?credential_offer={encoded}"


@transaction.atomic
def offer_create(
    *, profile: LearnerProfile, credential: Credential, now: datetime | None = None, language: str | None = None
) -> OfferMade:
    """Offer `credential` to the signed-in learner's wallet. Only the learner it was awarded to (NotYourAward
    otherwise), only while it holds (OfferRefused), and a few offers per learner and hour (OfferRefused "rate").
    With a transaction code required (WALLET_TX_CODE_REQUIRED), a task makes the code and e-mails it once this
    commits, in `language` (the page's by default)."""
    if credential.recipient_email != profile.email:
        raise NotYourAward("This credential was not awarded to you.")
    now = _now(now)
    state = credential.state(now=now)
    if state not in HOLDING_STATES:
        raise OfferRefused(state)
    limit = ratelimit.hit("wallets:offer:learner", profile.email, settings.WALLET_OFFER_RATE_PER_LEARNER)
    if not limit.allowed:
        raise OfferRefused("rate", limit.retry_after)
    code = secrets.token_urlsafe(32)
    offer = WalletOffer.objects.create(
        credential=credential,
        protocol=Protocol.OID4VCI,
        code_hash=secret_hash(code),
        tx_code_required=settings.WALLET_TX_CODE_REQUIRED,
        created_at=now,
        expires_at=now + OFFER_VALIDITY,
    )
    if offer.tx_code_required:
        enqueue("wallets.tasks.send_tx_code", offer.pk, language or get_language())
    document = offer_document(code, tx_code_required=offer.tx_code_required)
    return OfferMade(offer=offer, document=document, uri=offer_uri(document))


@transaction.atomic
def tx_code_send(*, offer_id: int, language: str | None = None, now: datetime | None = None) -> bool:
    """Make the offer's transaction code and e-mail it to the learner, the second channel §4.1.1 recommends. Its
    clear text lives only in the e-mail. Nothing for an offer that is gone, spent or expired. Run twice, it sends
    a second code, which replaces the first. Returns whether a code was sent."""
    offer = (
        WalletOffer.objects.select_for_update()
        .select_related("credential__issuer", "credential__achievement")
        .filter(pk=offer_id, tx_code_required=True)
        .first()
    )
    now = _now(now)
    if offer is None or offer.used_at is not None or offer.expires_at <= now:
        return False
    code = f"{secrets.randbelow(10**TX_CODE_LENGTH):0{TX_CODE_LENGTH}d}"
    offer.tx_code_hash = offer.tx_code_digest(code)
    offer.save(update_fields=["tx_code_hash"])
    with override(language or settings.LANGUAGE_CODE):
        message = _tx_code_message(offer=offer, code=code)
    # After commit: the code must match before the learner can type it. `robust`: a mail failure is logged.
    transaction.on_commit(message.send, robust=True)
    return True


def _tx_code_message(*, offer: WalletOffer, code: str) -> EmailMultiAlternatives:
    credential = offer.credential
    achievement_name, issuer_name = signed_names(credential)  # as awarded, like the learner's pages
    context = {
        "code": code,
        "achievement": achievement_name,
        "issuer": issuer_name,
        "minutes": int(OFFER_VALIDITY.total_seconds() // 60),
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=gettext("Your code for adding a credential to your wallet"),
        body=render_to_string("emails/wallet_tx_code.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[credential.recipient_email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("emails/wallet_tx_code.html", context), "text/html")
    message.connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or MAIL_TIMEOUT_SECONDS)
    return message


# --- the token endpoint (§6) ----------------------------------------------------------------------------------


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = params.get(name) or []
    return values[0] if values else None


def token_request(*, params: Mapping[str, Sequence[str]], now: datetime | None = None) -> IssuedToken:
    """The token endpoint for the pre-authorized code grant: the form's parameters (each a list, as sent) in, an
    access token for the offer out, or a ProtocolError with RFC 6749 §5.2's code as §6.3 clarifies it.

    The code is spent by a conditional UPDATE, so of two requests racing with it one gets the token and the other
    `invalid_grant`. A wrong transaction code is counted before the refusal is raised (the count must survive the
    refusal), and the offer dies after TX_CODE_MAX_FAILURES of them."""
    repeated = sorted(name for name, values in params.items() if len(values) > 1)
    if repeated:
        raise ProtocolError("invalid_request", f"Parameters may appear only once: {', '.join(repeated)}.")
    grant_type = _single(params, "grant_type")
    if not grant_type:
        raise ProtocolError("invalid_request", "grant_type is missing.")
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise ProtocolError("unsupported_grant_type", f"Only the grant type {PRE_AUTHORIZED_GRANT} is supported.")
    if "authorization_details" in params:
        raise ProtocolError(
            "invalid_request",
            "authorization_details is not supported: ask for the credential by credential_configuration_id.",
        )
    code = _single(params, "pre-authorized_code")
    if not code:
        raise ProtocolError("invalid_request", "pre-authorized_code is missing.")
    with transaction.atomic():
        outcome = _redeem(code=code, tx_code=_single(params, "tx_code"), now=_now(now))
    # Raised after the block commits: a wrong transaction code's count is part of the answer.
    if isinstance(outcome, ProtocolError):
        raise outcome
    return outcome


def _redeem(*, code: str, tx_code: str | None, now: datetime) -> IssuedToken | ProtocolError:
    offer = (
        WalletOffer.objects.select_for_update().select_related("credential").filter(code_hash=secret_hash(code)).first()
    )
    if offer is None:
        return ProtocolError("invalid_grant", "The pre-authorized code is not known.")
    if offer.used_at is not None:
        return ProtocolError(
            "invalid_grant", "The pre-authorized code was already used: ask the learner for a new offer."
        )
    if offer.expires_at <= now:
        return ProtocolError("invalid_grant", "The pre-authorized code has expired: ask the learner for a new offer.")
    if offer.tx_code_required:
        if offer.tx_code_failures >= TX_CODE_MAX_FAILURES:
            return ProtocolError("invalid_grant", "Too many wrong transaction codes: this offer no longer works.")
        if tx_code is None:
            return ProtocolError("invalid_request", "This offer needs the transaction code sent to the learner.")
        if not offer.tx_code_hash or not constant_time_compare(offer.tx_code_digest(tx_code), offer.tx_code_hash):
            WalletOffer.objects.filter(pk=offer.pk).update(tx_code_failures=F("tx_code_failures") + 1)
            return ProtocolError("invalid_grant", "The transaction code is wrong.")
    elif tx_code is not None:
        return ProtocolError("invalid_request", "This offer has no transaction code: send none.")
    state = offer.credential.state(now=now)
    if state not in HOLDING_STATES:
        return ProtocolError("invalid_grant", f"The award this offer was made for is {state}.")
    if not WalletOffer.objects.filter(pk=offer.pk, used_at__isnull=True).update(used_at=now):
        return ProtocolError("invalid_grant", "The pre-authorized code was already used.")
    token = secrets.token_urlsafe(32)
    WalletAccessToken.objects.create(
        offer=offer, token_hash=secret_hash(token), created_at=now, expires_at=now + TOKEN_VALIDITY
    )
    return IssuedToken(access_token=token, expires_in=int(TOKEN_VALIDITY.total_seconds()))


# --- the nonce endpoint (§7) ----------------------------------------------------------------------------------


def nonce_issue(*, now: datetime | None = None) -> str:
    """A fresh, unpredictable c_nonce; a key proof carrying it is accepted once, within NONCE_VALIDITY."""
    now = _now(now)
    nonce = secrets.token_urlsafe(24)
    WalletNonce.objects.create(nonce_hash=secret_hash(nonce), created_at=now, expires_at=now + NONCE_VALIDITY)
    return nonce


# --- the credential endpoint (§8) -----------------------------------------------------------------------------


def _access(access_token: str | None, now: datetime) -> WalletAccessToken:
    if not access_token:
        raise ProtocolError("invalid_token", "A bearer access token is required.", 401, bearer=True)
    token = (
        WalletAccessToken.objects.select_related("offer__credential__issuer", "offer__credential__achievement")
        .filter(token_hash=secret_hash(access_token))
        .first()
    )
    if token is None:
        raise ProtocolError("invalid_token", "The access token is not known.", 401, bearer=True)
    if token.expires_at <= now:
        raise ProtocolError("invalid_token", "The access token has expired.", 401, bearer=True)
    return token


def _requested_format(body: object) -> tuple[Format, dict[str, Any]]:
    """The configuration's format, and the request as the JSON object it must be."""
    if not isinstance(body, dict):
        raise ProtocolError("invalid_credential_request", "The Credential Request must be a JSON object.")
    if "credential_response_encryption" in body:
        raise ProtocolError("invalid_encryption_parameters", "Encrypted Credential Responses are not supported.")
    if "credential_identifier" in body:
        raise ProtocolError(
            "invalid_credential_request",
            "No credential_identifiers were issued with the token: use credential_configuration_id.",
        )
    configuration_id = body.get("credential_configuration_id")
    if not isinstance(configuration_id, str) or not configuration_id:
        raise ProtocolError("invalid_credential_request", "credential_configuration_id is missing.")
    fmt = CONFIGURATIONS.get(configuration_id)
    if fmt is None:
        raise ProtocolError(
            "unknown_credential_configuration",
            f"Known credential configurations: {', '.join(CONFIGURATIONS)}.",
        )
    return fmt, body


def _proof_jwt(body: dict[str, Any]) -> str:
    """The one jwt key proof of `proofs` (§8.2). The singular `proof` of the drafts is not 1.0's and is not read."""
    proofs = body.get("proofs")
    if not isinstance(proofs, dict):
        raise ProtocolError("invalid_proof", "proofs is missing: send proofs with one jwt key proof.")
    if set(proofs) != {PROOF_TYPE}:
        raise ProtocolError("invalid_proof", "proofs must hold the proof type jwt, and only it.")
    jwts = proofs[PROOF_TYPE]
    if not isinstance(jwts, list) or len(jwts) != 1:
        raise ProtocolError("invalid_proof", "proofs.jwt must be an array of exactly one key proof.")
    return str(jwts[0]) if isinstance(jwts[0], str) else ""


def credential_request(
    *,
    access_token: str | None,
    body: object,
    malformed: ProtocolError | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The credential endpoint: the bound copy of the offer's award for the holder whose key proof is valid, in the
    configuration asked for, as the Credential Response body (§8.3); a ProtocolError for anything else. A request
    the view could not read comes as `malformed`, refused once the token has been checked (RFC 6750 first).

    The c_nonce is spent in the transaction that records the take-up, so a proof is good for one credential; the
    same access token may ask again (§14.3) with a fresh nonce, and each credential handed out is recorded."""
    now = _now(now)
    token = _access(access_token, now)
    if malformed is not None:
        raise malformed
    fmt, request = _requested_format(body)
    try:
        proof = check_key_proof(_proof_jwt(request), audience=credential_issuer(), now=now)
    except ProofRefused as refused:
        raise ProtocolError("invalid_proof", refused.description) from None
    nonce_hash = secret_hash(proof.nonce)
    if not WalletNonce.objects.filter(nonce_hash=nonce_hash, used_at__isnull=True, expires_at__gt=now).exists():
        raise ProtocolError("invalid_nonce", "The nonce is unknown, used or expired: get a new c_nonce.")
    offer = token.offer
    credential = offer.credential
    state = credential.state(now=now)
    if state not in HOLDING_STATES:
        raise ProtocolError("credential_request_denied", f"The award is {state}: it can no longer be issued.")
    try:
        issued = bound_credential(credential, proof.holder.did, fmt)
    except NoActiveKey:
        raise ProtocolError("credential_request_denied", "The issuer has no signing key right now.") from None
    with transaction.atomic():
        if not WalletNonce.objects.filter(nonce_hash=nonce_hash, used_at__isnull=True).update(used_at=now):
            raise ProtocolError("invalid_nonce", "The nonce was used by another request: get a new c_nonce.")
        _take_up_record(offer=offer, fmt=fmt, holder_did=proof.holder.did, binding=proof.holder.binding, now=now)
    return {"credentials": [{"credential": issued}]}


def _take_up_record(*, offer: WalletOffer, fmt: Format, holder_did: str, binding: str, now: datetime) -> None:
    """What a take-up leaves: the count for the issuer's statistics, an audit row in the issuer's log, and on the
    offer the format and DID of the last credential handed out under it."""
    credential = offer.credential
    WalletTakeUp.objects.create(
        issuer=credential.issuer,
        credential=credential,
        offer=offer,
        protocol=offer.protocol,
        format=fmt,
        binding=binding,
        created_at=now,
    )
    WalletOffer.objects.filter(pk=offer.pk).update(issued_at=now, issued_format=fmt, holder_did=holder_did)
    audit_record(
        issuer=credential.issuer,
        action="credential.added_to_wallet",
        obj=credential,
        actor_label=Protocol(offer.protocol).label,
        data={"protocol": Protocol(offer.protocol).label, "format": fmt.value, "binding": binding},
    )


# --- housekeeping ---------------------------------------------------------------------------------------------


def wallet_secrets_purge(*, now: datetime | None = None, keep: timedelta = timedelta(days=1)) -> int:
    """Delete nonces, access tokens and never-used offers that expired more than `keep` ago: they can never be
    spent again. Offers something was handed out under stay (their take-ups point at them). Returns the rows
    deleted."""
    cutoff = _now(now) - keep
    deleted = WalletNonce.objects.filter(expires_at__lt=cutoff).delete()[0]
    deleted += WalletAccessToken.objects.filter(expires_at__lt=cutoff).delete()[0]
    deleted += WalletOffer.objects.filter(expires_at__lt=cutoff, issued_at__isnull=True).delete()[0]
    return deleted
