"""Writes for learners: sign-in links, their use, what the public profile shows, and whether it is on.

Learner actions change no issuer state, so they write no audit rows; each is idempotent instead.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, override
from django.utils.translation import gettext_lazy as _

from badges.documents import normalize_email
from badges.languages import supported_language
from badges.models import Credential
from config import ratelimit
from config.tasks import enqueue
from learners import selectors
from learners.models import LearnerCredentialVisibility, LearnerProfile, SignInToken

SIGN_IN_LINK_VALIDITY = timedelta(minutes=30)
MAIL_TIMEOUT_SECONDS = 10


class LearnerError(Exception):
    """A learner request that cannot be done; the message is for the learner."""


class SignInRateLimited(LearnerError):
    """Over the limit per client address (never per e-mail address: that one is not told). `retry_after` in s."""

    def __init__(self, retry_after: int) -> None:
        minutes = -(-retry_after // 60)
        super().__init__(
            gettext("Too many sign-in links were asked for from your network. Please try again in %(minutes)d min.")
            % {"minutes": minutes}
        )
        self.retry_after = retry_after


class SignInLinkUnusable(LearnerError):
    """The sign-in link cannot be used. `reason` is one of unknown, used, expired."""

    MESSAGES = {
        "unknown": _("This sign-in link is not valid. Check that you opened the whole link from the e-mail."),
        "used": _("This sign-in link has already been used. Ask for a new one."),
        "expired": _("This sign-in link has expired. Ask for a new one."),
    }

    def __init__(self, reason: str) -> None:
        super().__init__(str(self.MESSAGES[reason]))
        self.reason = reason


def learner_sign_in_request(*, email: str, client_address: str = "") -> None:
    """Ask for a sign-in link for `email`. Raises SignInRateLimited over the limit per client address, and
    ValidationError for a malformed address.

    Everything else answers the same, and costs the same: whether the address has credentials, and whether it is
    over its own limit, is decided by the task this always enqueues (sign_in_link_send), after the answer. Over the
    limit per e-mail address nothing is sent.
    """
    email = normalize_email(email)
    validate_email(email)
    if client_address:
        per_client = ratelimit.hit("learners:signin:ip", client_address, settings.SIGN_IN_MAIL_RATE_PER_CLIENT)
        if not per_client.allowed:
            raise SignInRateLimited(per_client.retry_after)
    per_address = ratelimit.hit("learners:signin:email", email, settings.SIGN_IN_MAIL_RATE_PER_ADDRESS)
    # An address over its limit does not travel at all, but the broker round trip is the same.
    # The e-mail is written in the language the page was read in (D51): the task runs without the request.
    enqueue("learners.tasks.send_sign_in_link", email if per_address.allowed else None, get_language())


@transaction.atomic
def sign_in_link_send(*, email: str, now: datetime | None = None, language: str | None = None) -> bool:
    """Create a sign-in link for `email` and e-mail it (in `language`, else the default one), when at least one
    credential was awarded to the address. Returns whether one was sent."""
    email = normalize_email(email)
    if not selectors.credential_exists_for_email(email=email):
        return False
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    SignInToken.objects.create(
        email=email, token_hash=SignInToken.hash_token(token), created_at=now, expires_at=now + SIGN_IN_LINK_VALIDITY
    )
    with override(language or settings.LANGUAGE_CODE):
        message = _sign_in_message(email=email, token=token)
    # After commit: the link must exist before anyone can open it. `robust`: a mail failure is logged, and (run
    # in-process, without a broker) the answer to the request stays the same.
    transaction.on_commit(message.send, robust=True)
    return True


def _sign_in_message(*, email: str, token: str) -> EmailMultiAlternatives:
    context = {
        "link": f"{settings.SITE_URL}{reverse('learners:sign-in', args=[token])}",
        "minutes": int(SIGN_IN_LINK_VALIDITY.total_seconds() // 60),
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=gettext("Your sign-in link"),
        body=render_to_string("emails/learner_sign_in.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("emails/learner_sign_in.html", context), "text/html")
    # An unresponsive mail server must not hold a worker (or, without a broker, the request) for long.
    message.connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or MAIL_TIMEOUT_SECONDS)
    return message


def sign_in_token_check(*, token: str, now: datetime | None = None) -> SignInToken:
    """The token's record if it can still be used; raises SignInLinkUnusable saying why not. Uses nothing."""
    record = SignInToken.objects.filter(token_hash=SignInToken.hash_token(token)).first()
    return _usable(record, now=now)


def _usable(record: SignInToken | None, *, now: datetime | None) -> SignInToken:
    if record is None:
        raise SignInLinkUnusable("unknown")
    if record.used_at is not None:
        raise SignInLinkUnusable("used")
    if record.is_expired(now):
        raise SignInLinkUnusable("expired")
    return record


@transaction.atomic
def sign_in_token_use(*, token: str, now: datetime | None = None, language: str = "") -> LearnerProfile:
    """Use a sign-in link once: mark it used and return the learner's profile, creating it on first sign-in.

    The row is locked, so two clicks racing on the same link sign in once; the second is refused as used.
    `language` is the page's: a profile without a language takes it, so that e-mails to the learner come in the
    language they read (D52); one they chose on the collection page is kept.
    """
    token_hash = SignInToken.hash_token(token)
    record = _usable(SignInToken.objects.select_for_update().filter(token_hash=token_hash).first(), now=now)
    now = now or timezone.now()
    record.used_at = now
    record.save(update_fields=["used_at"])
    profile = learner_profile_get_or_create(email=record.email, now=now)
    language = supported_language(language)
    if language and not profile.language:
        profile.language = language
        profile.save(update_fields=["language"])
    return profile


def learner_language_set(*, profile: LearnerProfile, language: str) -> str:
    """The language e-mails to the learner are written in, as they chose it; returns it. Raises LearnerError for
    a language the site does not have."""
    chosen = supported_language(language)
    if not chosen or chosen != language:
        raise LearnerError(
            gettext("Choose one of the languages offered: %(languages)s.")
            % {"languages": ", ".join(code for code, _name in settings.LANGUAGES)}
        )
    profile.language = chosen
    profile.save(update_fields=["language"])
    return chosen


def learner_language(email: str) -> str:
    """The language the learner with `email` chose, or "" (badges.languages asks this before an award e-mail)."""
    found = LearnerProfile.objects.filter(email=normalize_email(email)).values_list("language", flat=True).first()
    return found or ""


@transaction.atomic
def learner_profile_get_or_create(*, email: str, now: datetime | None = None) -> LearnerProfile:
    email = normalize_email(email)
    profile = LearnerProfile.objects.filter(email=email).first()
    if profile is not None:
        return profile
    try:
        with transaction.atomic():
            return LearnerProfile.objects.create(
                email=email, slug=secrets.token_urlsafe(16), created_at=now or timezone.now()
            )
    except IntegrityError:  # created concurrently by another sign-in of the same address
        return LearnerProfile.objects.get(email=email)


@transaction.atomic
def credential_visibility_set(*, profile: LearnerProfile, credential: Credential, shown: bool) -> bool:
    """Show or hide one of the learner's credentials on their public profile. Idempotent; returns `shown`.

    Only the learner's own credentials (awarded to the profile's address) can be shown.
    """
    if credential.recipient_email != profile.email:
        raise LearnerError("That credential was not awarded to you.")
    if shown:
        LearnerCredentialVisibility.objects.get_or_create(profile=profile, credential=credential)
    else:
        LearnerCredentialVisibility.objects.filter(profile=profile, credential=credential).delete()
    return shown


@transaction.atomic
def learner_profile_publish_set(*, profile: LearnerProfile, public: bool) -> LearnerProfile:
    """Turn the public profile on or off. Idempotent."""
    LearnerProfile.objects.filter(pk=profile.pk).update(is_public=public)
    profile.is_public = public
    return profile


def sign_in_tokens_purge(*, now: datetime | None = None, keep: timedelta = timedelta(days=1)) -> int:
    """Delete sign-in tokens that expired more than `keep` ago (used or not): they can never be spent again, and
    keeping them only keeps hashes of old links. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - keep
    deleted, _ = SignInToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
