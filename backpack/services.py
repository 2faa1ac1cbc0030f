"""Writes of "send to my backpack": start a send (service discovery, our registration at the host, the pending send)
and finish it at the callback (the state checked, the code exchanged, the credential upserted, the outcome kept).

Deny by default: only the credential's recipient starts a send of it, and only the learner who started a send, in
the session that started it, finishes it, once, within PENDING_LIFETIME. No HTTP request runs inside a transaction:
each write is short and comes after the host answered. Access tokens live in this module's local variables only,
for the one upsert. Learner actions change no issuer state, so (like learners.services) they write no audit rows:
the send itself is the record.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from backpack import protocol
from backpack.models import BackpackSend, HostRegistration
from backpack.selectors import is_sendable
from badges.documents import normalize_email
from badges.models import Credential
from config import ratelimit
from issuer.keystore import decrypt_text, encrypt_text
from verification.errors import FetchError
from verification.http import HardenedClient

PENDING_LIFETIME = timedelta(minutes=10)
SENDS_PER_HOUR = 20
# A registration whose secret expires this soon is replaced before the learner is sent away with it.
SECRET_MARGIN = timedelta(minutes=30)
# Identifies this software to hosts across deployments (RFC 7591 §2: software_id stays the same for every instance).
SOFTWARE_ID = "dbde30b3-2d8d-42d5-9c20-4bd301c44a11"
MAX_DETAIL_CHARS = 2000


class NotYourCredential(Exception):
    """The credential was not awarded to the learner: the view answers 404, as for one that does not exist."""


class SendRefused(Exception):
    """The send cannot start. The message is for the learner (in their language, with the technical reason after
    it); `status` is the page's HTTP status."""

    def __init__(self, message: str, *, status: int, retry_after: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class CallbackRefused(Exception):
    """An answer at the callback that finishes no send (unknown, another session's, used, or too late)."""


@dataclass(frozen=True)
class StartedSend:
    send: BackpackSend
    authorization_url: str  # where the learner's browser goes next; it holds the state, so it is never stored
    state_key: str  # the state's hash, for the learner's session: the callback is accepted only in that session


def callback_url() -> str:
    return f"{settings.SITE_URL}{reverse('backpack:callback')}"


def _software_version() -> str:
    try:
        return version("openbadges-platform")
    except PackageNotFoundError:
        return "0"


def client_metadata() -> dict[str, Any]:
    """What we register at a host (RFC 7591 §2, as OB 3.0 profiles it): confidential, authorization code only (no
    refresh token: nothing is kept after a send), and only the scope to add a credential."""
    site = settings.SITE_URL
    return {
        "client_name": f"Open Badges ({urlsplit(site).netloc})",
        "client_uri": f"{site}/",
        "logo_uri": f"{site}{reverse('apple-touch-icon')}",
        "tos_uri": settings.OB_API_TERMS_OF_SERVICE_URL,
        "policy_uri": settings.OB_API_PRIVACY_POLICY_URL,
        "software_id": SOFTWARE_ID,
        "software_version": _software_version(),
        "redirect_uris": [callback_url()],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "scope": protocol.UPSERT_SCOPE,
    }


def _authorize(*, email: str, credential: Credential) -> None:
    if not email or normalize_email(credential.recipient_email) != email:
        raise NotYourCredential()


def _require_sendable(credential: Credential) -> None:
    state = credential.state()
    if state == "revoked":
        raise SendRefused(gettext("This credential is revoked: it cannot be sent anywhere."), status=409)
    if state == "suspended":
        raise SendRefused(
            gettext("This credential is suspended: it cannot be sent anywhere while the suspension lasts."), status=409
        )


def _count_send(email: str) -> None:
    outcome = ratelimit.hit("backpack:send", email, ratelimit.Rate(count=SENDS_PER_HOUR, seconds=3600))
    if not outcome.allowed:
        minutes = -(-outcome.retry_after // 60)
        raise SendRefused(
            gettext("You have started many sends in the last hour. Please try again in %(minutes)d min.")
            % {"minutes": minutes},
            status=429,
            retry_after=outcome.retry_after,
        )


# --- starting -------------------------------------------------------------------------------------------------


def backpack_send_start(
    *, email: str, credential: Credential, address: str, client: HardenedClient | None = None
) -> StartedSend:
    """Ask the host at `address` how to connect (service discovery), register there unless a registration is kept,
    and keep a pending send with a fresh state and PKCE verifier. Returns where the learner's browser goes next.

    Raises NotYourCredential for anyone but the credential's recipient, SendRefused for a revoked or suspended
    credential, over the learner's hourly limit, for an unusable address and for a host that does not answer as an
    Open Badges 3.0 host. Nothing is written before the host answered."""
    email = normalize_email(email)
    _authorize(email=email, credential=credential)
    _require_sendable(credential)
    _count_send(email)
    client = client or HardenedClient.from_settings()
    try:
        endpoints = protocol.discover(address, client=client)
    except protocol.AddressUnusable as exc:
        raise SendRefused(gettext("This address cannot be used. %(reason)s") % {"reason": exc}, status=400) from exc
    except protocol.HostUnusable as exc:
        raise SendRefused(
            gettext("%(host)s did not answer as an Open Badges 3.0 host. %(reason)s")
            % {"host": address.strip(), "reason": exc},
            status=502,
        ) from exc
    registration = _registration_for(endpoints, client=client)

    verifier, challenge = protocol.pkce_pair()
    state = secrets.token_urlsafe(32)
    now = timezone.now()
    send = BackpackSend.objects.create(
        credential=credential,
        learner_email=email,
        host=endpoints.host,
        discovery_url=endpoints.discovery_url,
        registration=registration,
        token_url=endpoints.token_url,
        credentials_url=endpoints.credentials_url,
        state_hash=BackpackSend.hash_state(state),
        code_verifier_encrypted=encrypt_text(verifier),
        started_at=now,
        expires_at=now + PENDING_LIFETIME,
    )
    authorization_url = protocol.authorization_request_url(
        endpoints.authorization_url,
        client_id=registration.client_id,
        redirect_uri=registration.redirect_uri,
        state=state,
        code_challenge=challenge,
    )
    return StartedSend(send=send, authorization_url=authorization_url, state_key=send.state_hash)


def _registration_for(endpoints: protocol.HostEndpoints, *, client: HardenedClient) -> HostRegistration:
    """Our kept registration at the host's registration URL, or a new one (its secret encrypted at rest)."""
    redirect_uri = callback_url()
    key = HostRegistration.key_for(endpoints.registration_url, redirect_uri)
    kept = HostRegistration.objects.filter(key=key).first()
    if kept is not None and (kept.secret_expires_at is None or kept.secret_expires_at > timezone.now() + SECRET_MARGIN):
        return kept
    try:
        answer = protocol.register(endpoints.registration_url, client_metadata(), client=client)
    except protocol.HostUnusable as exc:
        raise SendRefused(
            gettext("%(host)s did not register this platform as a client. %(reason)s")
            % {"host": endpoints.host, "reason": exc},
            status=502,
        ) from exc
    fields = {
        "registration_url": endpoints.registration_url,
        "redirect_uri": redirect_uri,
        "client_id": answer.client_id,
        "client_secret_encrypted": encrypt_text(answer.client_secret) if answer.client_secret else b"",
        "secret_expires_at": (
            datetime.fromtimestamp(answer.secret_expires_at, tz=UTC) if answer.secret_expires_at else None
        ),
        "auth_method": answer.auth_method,
        "created_at": timezone.now(),
    }
    if kept is not None:  # its secret runs out: the new registration takes its place
        for name, value in fields.items():
            setattr(kept, name, value)
        kept.save(update_fields=list(fields))
        return kept
    try:
        with transaction.atomic():
            return HostRegistration.objects.create(key=key, **fields)
    except IntegrityError:
        # Another send registered at the same host meanwhile: its registration is kept (sends already under way
        # use it), ours is left unused at the host.
        return HostRegistration.objects.get(key=key)


# --- finishing ------------------------------------------------------------------------------------------------


def backpack_send_finish(
    *,
    email: str,
    state: str,
    pending: Collection[str],
    code: str = "",
    error: str = "",
    error_description: str = "",
    client: HardenedClient | None = None,
) -> BackpackSend:
    """Finish the send `state` names, with the host's answer at our callback (RFC 6749 §4.1.2): exchange the code
    for an access token, upsert the credential with it, and keep the outcome. `pending` holds the state keys the
    learner's session started (StartedSend.state_key).

    Raises CallbackRefused, changing nothing, for a state that is missing, unknown, another learner's or another
    session's, or already used; for one that came back after PENDING_LIFETIME, after marking that send expired.
    Whatever happens later (access denied at the host, a refused code, a refused credential, a host that cannot be
    reached) is the send's outcome, returned."""
    email = normalize_email(email)
    state_hash = BackpackSend.hash_state(state) if state else ""
    send = (
        BackpackSend.objects.select_related("credential", "registration").filter(state_hash=state_hash).first()
        if state_hash
        else None
    )
    # Another learner's send, or one started in another browser, reads like no send at all.
    if send is None or send.learner_email != email or state_hash not in pending:
        raise CallbackRefused(
            gettext(
                "This answer from a host does not belong to a send started in this browser. Start again from your "
                "credentials."
            )
        )
    now = timezone.now()
    # Compare-and-set: of two requests with the same state, one takes it.
    if not BackpackSend.objects.filter(pk=send.pk, claimed_at__isnull=True).update(claimed_at=now):
        raise CallbackRefused(
            gettext("This answer from your host was already used. See below what became of the send.")
        )
    if now >= send.expires_at:
        _finish(send, BackpackSend.Outcome.EXPIRED)
        raise CallbackRefused(
            gettext(
                "You came back from your host more than %(minutes)d minutes after starting, so the send was "
                "stopped. Please start again."
            )
            % {"minutes": int(PENDING_LIFETIME.total_seconds() // 60)}
        )
    if error:
        described = f"{error}: {error_description}" if error_description else error
        return _finish(send, BackpackSend.Outcome.DENIED, detail=described)
    if not code:
        return _finish(send, BackpackSend.Outcome.FAILED, detail="The host sent no authorization code.")

    credential = Credential.objects.get(pk=send.credential_id)  # as it stands now: it may have been revoked meanwhile
    _authorize(email=email, credential=credential)
    if not is_sendable(credential):
        return _finish(send, BackpackSend.Outcome.WITHDRAWN)
    registration = send.registration
    if registration is None:
        return _finish(send, BackpackSend.Outcome.FAILED, detail="Our registration at the host was removed meanwhile.")

    client = client or HardenedClient.from_settings()
    credentials = protocol.ClientCredentials(
        client_id=registration.client_id,
        client_secret=decrypt_text(registration.client_secret_encrypted)
        if registration.client_secret_encrypted
        else "",
        secret_expires_at=0,
        auth_method=registration.auth_method,
    )
    try:
        access_token = protocol.exchange_code(
            send.token_url,
            credentials=credentials,
            code=code,
            code_verifier=decrypt_text(send.code_verifier_encrypted),
            redirect_uri=registration.redirect_uri,
            client=client,
        )
    except protocol.TokenRefused as exc:
        if exc.error == "invalid_client":
            # The host no longer knows us (it dropped or expired the registration): the next send registers again.
            HostRegistration.objects.filter(pk=registration.pk).delete()
        return _finish(send, BackpackSend.Outcome.TOKEN_REFUSED, detail=str(exc))

    body, media_type = _payload(credential)
    try:
        answer = protocol.upsert_credential(
            send.credentials_url, access_token=access_token, body=body, media_type=media_type, client=client
        )
    except FetchError as exc:
        return _finish(send, BackpackSend.Outcome.FAILED, detail=exc.message)
    if answer.accepted:
        outcome = BackpackSend.Outcome.STORED if answer.created else BackpackSend.Outcome.REPLACED
        return _finish(send, outcome, host_status=answer.status)
    return _finish(send, BackpackSend.Outcome.REFUSED, detail=answer.reason, host_status=answer.status)


def _payload(credential: Credential) -> tuple[str, str]:
    """What is sent, as D16 bakes it: the stored JSON exactly as issued when it carries a Data Integrity proof, else
    the VC-JWT as text/plain (OB 3.0 upsertCredential takes either)."""
    if "Data Integrity" in credential.formats or not credential.jws:
        return credential.document, "application/json"
    return credential.jws, "text/plain"


@transaction.atomic
def _finish(send: BackpackSend, outcome: str, *, detail: str = "", host_status: int | None = None) -> BackpackSend:
    """Keep the outcome; the PKCE verifier goes, it has served."""
    send.outcome = outcome
    send.detail = detail[:MAX_DETAIL_CHARS]
    send.host_status = host_status
    send.finished_at = timezone.now()
    send.code_verifier_encrypted = b""
    send.save(update_fields=["outcome", "detail", "host_status", "finished_at", "code_verifier_encrypted"])
    return send
