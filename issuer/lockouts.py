"""The audit row of a sign-in lockout. django-axes keeps the counts (accounts, docs/decisions.md D32); the audit log
is this app's, so the receiver of axes' signal lives here and accounts imports no app."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from issuer.models import AuditEvent


def client_address_hash(address: str) -> str:
    """A client address as audit rows keep it: keyed with SECRET_KEY, so the same address gives the same value (a
    series of lockouts can be told apart) but the address cannot be read back, not even by trying all of them."""
    return salted_hmac("accounts.client-address", address, algorithm="sha256").hexdigest()[:32]


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


def record_lockout(
    sender: object, request: HttpRequest, username: str | None, ip_address: str | None, **_: Any
) -> None:
    """Receiver of axes' `user_locked_out`: one audit row when a lockout starts.

    Axes sends the signal for the failure that reaches the limit, and again for every attempt refused during the
    lockout; only the first carries a failure count (`axes_failures_since_start`), so only it is recorded."""
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    account_lockout_record(username=username or "", client_address=ip_address or "")
