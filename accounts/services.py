"""Writes for staff accounts: password-reset requests and the audit row of a sign-in lockout.

A password reset answers the same for every address, known or not, within its limit or over it: the request
counts the limits and always enqueues one task, and only the task looks the address up and sends the e-mail
(docs/decisions.md D32). Only the limit per client address is told to the client (429).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.utils.crypto import salted_hmac

from badges.documents import normalize_email
from config import ratelimit
from issuer.models import AuditEvent

logger = logging.getLogger(__name__)

EMAIL_TEMPLATE = "registration/password_reset_email.txt"
SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"


class TooManyRequests(Exception):
    """Over the limit per client address; `retry_after` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests from this address; try again in {retry_after} s.")
        self.retry_after = retry_after


def client_address_hash(address: str) -> str:
    """A client address as audit rows keep it: keyed with SECRET_KEY, so the same address gives the same value (a
    series of lockouts can be told apart) but the address cannot be read back, not even by trying all of them."""
    return salted_hmac("accounts.client-address", address, algorithm="sha256").hexdigest()[:32]


def password_reset_request(*, email: str, client_address: str) -> None:
    """Ask for a password-reset link for `email`. Raises TooManyRequests over the limit per client address.

    Over the limit per e-mail address nothing is sent, and nothing tells: the task is enqueued all the same.
    """
    email = normalize_email(email)
    per_client = ratelimit.hit("accounts:password-reset:client", client_address, settings.SIGN_IN_MAIL_RATE_PER_CLIENT)
    if not per_client.allowed:
        raise TooManyRequests(per_client.retry_after)
    per_address = ratelimit.hit("accounts:password-reset:email", email, settings.SIGN_IN_MAIL_RATE_PER_ADDRESS)
    from accounts.tasks import send_password_reset

    # The same broker round trip for every request; an address over its limit does not travel at all.
    send_password_reset.delay(email if per_address.allowed else None)


def password_reset_send(*, email: str) -> None:
    """E-mail a reset link to every active account with a usable password at `email` (Django's own form, links
    and token), naming the site by SITE_URL rather than by the request's Host header. A mail failure is logged by
    the form."""
    site = urlsplit(settings.SITE_URL)
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        email_template_name=EMAIL_TEMPLATE,
        subject_template_name=SUBJECT_TEMPLATE,
    )


def account_lockout_record(*, username: str, client_address: str) -> AuditEvent:
    """The audit row of a sign-in lockout (issuer-less: accounts are the platform's). The username as it was
    tried, whether or not an account has it; the client address only as client_address_hash."""
    user = get_user_model().objects.filter(username=username).first() if username else None
    return AuditEvent.objects.create(
        issuer=None,
        actor=None,
        actor_label="sign-in lockout",
        action="account.locked_out",
        object_type="user",
        object_id=str(user.pk) if user is not None else "",
        data={
            "username": username,
            "client_address_hash": client_address_hash(client_address) if client_address else "",
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
