"""Writes for staff accounts: password-reset requests (a lockout's audit row is the issuer app's, which keeps the
audit log: issuer.lockouts).

A password reset answers the same for every address, known or not, within its limit or over it: the request
counts the limits and always enqueues one task, and only the task looks the address up and sends the e-mail
(docs/decisions.md D32). Only the limit per client address is told to the client (429).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import get_language, override

from config import ratelimit
from config.tasks import enqueue

logger = logging.getLogger(__name__)

EMAIL_TEMPLATE = "registration/password_reset_email.txt"
SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"


class TooManyRequests(Exception):
    """Over the limit per client address; `retry_after` in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many requests from this address; try again in {retry_after} s.")
        self.retry_after = retry_after


def password_reset_request(*, email: str, client_address: str) -> None:
    """Ask for a password-reset link for `email`. Raises TooManyRequests over the limit per client address.

    Over the limit per e-mail address nothing is sent, and nothing tells: the task is enqueued all the same.
    """
    email = email.strip().lower()  # one spelling per address, as the award services store it
    per_client = ratelimit.hit("accounts:password-reset:client", client_address, settings.SIGN_IN_MAIL_RATE_PER_CLIENT)
    if not per_client.allowed:
        raise TooManyRequests(per_client.retry_after)
    per_address = ratelimit.hit("accounts:password-reset:email", email, settings.SIGN_IN_MAIL_RATE_PER_ADDRESS)
    # The same broker round trip for every request; an address over its limit does not travel at all. The link is
    # e-mailed in the language of the page it was asked from (D51), like a learner's sign-in link.
    enqueue("accounts.tasks.send_password_reset", email if per_address.allowed else None, get_language())


def password_reset_send(*, email: str, language: str | None = None) -> None:
    """E-mail a reset link to every active account with a usable password at `email` (Django's own form, links
    and token), naming the site by SITE_URL rather than by the request's Host header, in `language` (the default
    language when None). A mail failure is logged by the form."""
    site = urlsplit(settings.SITE_URL)
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    with override(language or settings.LANGUAGE_CODE):
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            email_template_name=EMAIL_TEMPLATE,
            subject_template_name=SUBJECT_TEMPLATE,
        )
