"""Writes of the Open Badges API: learner OAuth identities, client registration, stored credentials, profiles.

Learner actions change no issuer state, so (like learners.services) they write no audit rows.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from oauth2_provider.models import Application

from badges.documents import normalize_email
from badges.verify import verify_credential
from config import ratelimit
from ob_api.models import ClientRegistration, LearnerAccount, LearnerApiProfile, StoredCredential
from verification.errors import VerificationError

REGISTRATION_WINDOW_SECONDS = 60 * 60
REQUIRED_CLIENT_FIELDS = (
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
    "scope",
)
URI_FIELDS = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# --- the learner behind an OAuth grant --------------------------------------------------------------


@transaction.atomic
def learner_user_get_or_create(*, email: str) -> User:
    """The Django user that stands for the learner address `email` in grants and tokens, made on first use.

    Its username is derived from a hash of the address (never the address itself), its password is
    unusable and it is never staff: it cannot sign in anywhere, it only owns OAuth grants.
    """
    email = normalize_email(email)
    account = LearnerAccount.objects.select_related("user").filter(email=email).first()
    if account is not None:
        return account.user
    user_model = get_user_model()
    try:
        with transaction.atomic():
            user = user_model(username=f"learner-{_digest(email)[:32]}", is_staff=False, is_superuser=False)
            user.set_unusable_password()
            user.save()
            LearnerAccount.objects.create(user=user, email=email)
            return user
    except IntegrityError:  # made concurrently by another consent of the same learner
        return LearnerAccount.objects.select_related("user").get(email=email).user


def learner_email_for_user(user: Any) -> str | None:
    user_pk: Any = getattr(user, "pk", None)  # None (anonymous) matches no account
    account = LearnerAccount.objects.filter(user_id=user_pk).first()
    return account.email if account is not None else None


# --- dynamic client registration (RFC 7591) --------------------------------------------------------


class RegistrationError(Exception):
    """`error` is the RFC 7591 error code: invalid_redirect_uri or invalid_client_metadata."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class RegistrationRateLimited(Exception):
    pass


@dataclass(frozen=True)
class RegisteredClient:
    application: Application
    registration: ClientRegistration
    client_secret: str  # in clear only here: stored hashed


def _uri_allowed(value: object, *, field: str, error: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegistrationError(error, f"{field} must be an absolute URL.")
    parts = urlsplit(value)
    local_http = settings.DEBUG and parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if parts.scheme != "https" and not local_http:
        raise RegistrationError(error, f"{field} must use https.")
    if not parts.hostname:
        raise RegistrationError(error, f"{field} must be an absolute URL.")
    if len(value) > 500:
        raise RegistrationError(error, f"{field} is longer than 500 characters.")
    return value


def _validated_metadata(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RegistrationError("invalid_client_metadata", "The request body must be a JSON object.")
    missing = [name for name in (*REQUIRED_CLIENT_FIELDS, "redirect_uris") if name not in data]
    if missing:
        raise RegistrationError("invalid_client_metadata", f"Missing required metadata: {', '.join(missing)}.")
    for name in REQUIRED_CLIENT_FIELDS:
        if not isinstance(data[name], str) or not data[name].strip():
            raise RegistrationError("invalid_client_metadata", f"{name} must be a non-empty string.")
    if len(data["client_name"]) > 255 or len(data["software_id"]) > 200 or len(data["software_version"]) > 100:
        raise RegistrationError("invalid_client_metadata", "client_name, software_id or software_version is too long.")
    for name in URI_FIELDS:
        _uri_allowed(data[name], field=name, error="invalid_client_metadata")

    scopes = data["scope"].split()
    unknown = [scope for scope in scopes if scope not in settings.OAUTH2_PROVIDER["SCOPES"]]
    if unknown:
        raise RegistrationError("invalid_client_metadata", f"Unknown scope: {' '.join(unknown)}.")

    redirect_uris = data["redirect_uris"]
    if not isinstance(redirect_uris, list) or not redirect_uris:
        raise RegistrationError("invalid_redirect_uri", "redirect_uris must be a non-empty array of URLs.")
    client_host = urlsplit(data["client_uri"]).hostname
    for uri in redirect_uris:
        _uri_allowed(uri, field="redirect_uris", error="invalid_redirect_uri")
        parts = urlsplit(uri)
        if parts.fragment:
            raise RegistrationError("invalid_redirect_uri", f"{uri} must not have a fragment.")
        if parts.hostname != client_host:
            raise RegistrationError("invalid_redirect_uri", f"{uri} is not on the host of client_uri ({client_host}).")

    method = data.get("token_endpoint_auth_method", "client_secret_basic")
    if method != "client_secret_basic":
        raise RegistrationError("invalid_client_metadata", "token_endpoint_auth_method must be client_secret_basic.")
    grant_types = data.get("grant_types", ["authorization_code", "refresh_token"])
    if (
        not isinstance(grant_types, list)
        or "authorization_code" not in grant_types
        or not set(grant_types) <= {"authorization_code", "refresh_token"}
    ):
        raise RegistrationError(
            "invalid_client_metadata", "grant_types must be authorization_code, optionally with refresh_token."
        )
    response_types = data.get("response_types", ["code"])
    if response_types != ["code"]:
        raise RegistrationError("invalid_client_metadata", 'response_types must be ["code"].')
    contacts = data.get("contacts", [])
    if not isinstance(contacts, list) or not all(isinstance(item, str) for item in contacts):
        raise RegistrationError("invalid_client_metadata", "contacts must be an array of strings.")
    return {**data, "scope": " ".join(dict.fromkeys(scopes)), "grant_types": grant_types, "contacts": contacts}


def registration_rate_limit_hit(*, ip_address: str) -> bool:
    """Count one registration from `ip_address` in the hour; True when over OB_API_REGISTRATIONS_PER_HOUR."""
    rate = ratelimit.Rate(count=settings.OB_API_REGISTRATIONS_PER_HOUR, seconds=REGISTRATION_WINDOW_SECONDS)
    return not ratelimit.hit("ob_api:register:ip", ip_address, rate).allowed


@transaction.atomic
def client_register(*, metadata: object, ip_address: str = "") -> RegisteredClient:
    """Register a wallet (RFC 7591, open registration as OB 3.0 requires): a confidential client using the
    authorization code grant with refresh tokens, limited to the scopes it registered.

    Raises RegistrationRateLimited over the per-address limit and RegistrationError for bad metadata.
    """
    if ip_address and registration_rate_limit_hit(ip_address=ip_address):
        raise RegistrationRateLimited()
    data = _validated_metadata(metadata)
    application = Application(
        name=data["client_name"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(data["redirect_uris"]),
        user=None,
        skip_authorization=False,
    )
    if hasattr(Application, "RegistrationSource"):
        application.registration_source = Application.RegistrationSource.DCR
    client_secret = application.client_secret  # generated by the field default; hashed on save
    try:
        application.full_clean()
    except ValidationError as exc:
        raise RegistrationError("invalid_redirect_uri", "; ".join(exc.messages)) from exc
    application.save()
    registration = ClientRegistration.objects.create(
        application=application,
        client_uri=data["client_uri"],
        logo_uri=data["logo_uri"],
        tos_uri=data["tos_uri"],
        policy_uri=data["policy_uri"],
        software_id=data["software_id"],
        software_version=data["software_version"],
        scope=data["scope"],
        contacts=data["contacts"],
        registered_ip_hash=_digest(ip_address) if ip_address else "",
    )
    return RegisteredClient(application=application, registration=registration, client_secret=client_secret)


# --- upsertCredential -----------------------------------------------------------------------------


class CredentialRefused(Exception):
    """The credential cannot be stored; the message says why (for imsx_description)."""


@dataclass(frozen=True)
class UpsertResult:
    stored: StoredCredential
    created: bool


def _issued_at(credential: dict[str, Any]) -> datetime | None:
    for name in ("validFrom", "issuanceDate"):
        value = credential.get(name)
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _issuer_id(credential: dict[str, Any]) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else ""


def _achievement_name(credential: dict[str, Any]) -> str:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    name = achievement.get("name") if isinstance(achievement, dict) else None
    return name[:500] if isinstance(name, str) else ""


def stored_credential_upsert(*, email: str, body: str, content_type: str) -> UpsertResult:
    """Verify a credential (JSON or compact JWS) with the platform's verifier, then store it in the learner's
    list, replacing an entry with the same credential id.

    Verification runs before any write and outside the transaction (it may fetch DID documents and status
    lists). Raises CredentialRefused when it is unusable, fails a check, or has no id.
    """
    email = normalize_email(email)
    try:
        report = verify_credential(body, content_type=content_type)
    except VerificationError as exc:
        raise CredentialRefused(f"Not a usable credential: {exc}") from exc
    if report.verdict == "invalid":
        failures = "; ".join(f"{check.id}: {check.message}" for check in report.failures)
        raise CredentialRefused(f"The credential did not verify. {failures}")
    if report.verdict != "valid":
        # Only what verifies is kept: a credential whose checks could not be completed is refused for now.
        unfinished = "; ".join(f"{check.id}: {check.message}" for check in report.unfinished)
        raise CredentialRefused(f"The credential could not be fully checked; try again later. {unfinished}")
    credential = report.credential or {}
    credential_id = credential.get("id")
    if not isinstance(credential_id, str) or not credential_id or len(credential_id) > 1000:
        raise CredentialRefused("The credential has no id, so it cannot be stored or replaced later.")
    now = timezone.now()
    fields = {
        "format": StoredCredential.Format.JWS if report.format == "jwt" else StoredCredential.Format.JSON,
        "raw": body,
        "issuer_id": _issuer_id(credential)[:1000],
        "achievement_name": _achievement_name(credential),
        "issued_at": _issued_at(credential) or now,
        "updated_at": now,
    }
    return _upsert(email=email, credential_id=credential_id, fields=fields)


@transaction.atomic
def _upsert(*, email: str, credential_id: str, fields: dict[str, Any]) -> UpsertResult:
    existing = (
        StoredCredential.objects.select_for_update().filter(learner_email=email, credential_id=credential_id).first()
    )
    if existing is not None:
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save(update_fields=list(fields))
        return UpsertResult(stored=existing, created=False)
    try:
        with transaction.atomic():
            stored = StoredCredential.objects.create(learner_email=email, credential_id=credential_id, **fields)
            return UpsertResult(stored=stored, created=True)
    except IntegrityError:  # stored concurrently by another request of the same learner
        stored = StoredCredential.objects.get(learner_email=email, credential_id=credential_id)
        for name, value in fields.items():
            setattr(stored, name, value)
        stored.save(update_fields=list(fields))
        return UpsertResult(stored=stored, created=False)


# --- putProfile ------------------------------------------------------------------------------------


class ProfileRefused(Exception):
    pass


def _validated_profile(document: object) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise ProfileRefused("The profile must be a JSON object.")
    profile_id = document.get("id")
    if not isinstance(profile_id, str) or ":" not in profile_id:
        raise ProfileRefused("The profile needs an id (a URI).")
    types = document.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or "Profile" not in types:
        raise ProfileRefused('The profile type must be or include "Profile".')
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ProfileRefused("The profile needs a name.")
    if len(json.dumps(document)) > 64 * 1024:
        raise ProfileRefused("The profile is larger than 64 KB.")
    return document


@transaction.atomic
def learner_api_profile_put(*, email: str, document: object) -> LearnerApiProfile:
    """Replace the learner's profile with `document` (putProfile sends the entire Profile)."""
    document = _validated_profile(document)
    profile, _ = LearnerApiProfile.objects.update_or_create(
        learner_email=normalize_email(email), defaults={"document": document, "updated_at": timezone.now()}
    )
    return profile
