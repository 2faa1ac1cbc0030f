"""The sign-in lockout, kept by django-axes (docs/decisions.md D32): the account a failure counts against, the page
a locked-out client sees, and the audit row written when a lockout starts.

Axes counts failures per account and per client address independently (`AXES_LOCKOUT_PARAMETERS`); either one
reaching `AXES_FAILURE_LIMIT` refuses every sign-in of that account, or from that address, for
`AXES_COOLOFF_TIME` after the last counted failure, even with the right password.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.backends import account_username

LOCKED_OUT_TEMPLATE = "registration/locked_out.html"


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """`AXES_USERNAME_CALLABLE`: the account an attempt names, with an e-mail address resolved like the sign-in
    backend does, so that "ada" and "ada@example.org" share one count."""
    field = get_user_model().USERNAME_FIELD
    given = credentials.get(field) if credentials else request.POST.get(field)
    if not isinstance(given, str) or not given:
        return None
    return account_username(given)


def lockout_ends(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime:
    """When the lockout that refused this request ends: the latest end among the counts (account, address) that
    are at the limit. A count drops its oldest failures as they leave the cool-off window, so a count ends when the
    newest failures it needs to stay at the limit have aged out."""
    now = timezone.now()
    cool_off = get_cool_off(request) or timedelta(0)
    limit = get_failure_limit(request, credentials)
    handler = AxesProxyHandler.get_implementation()
    if not isinstance(handler, AxesDatabaseHandler):
        return now + cool_off
    AxesProxyHandler.update_request(request)
    ends = [now]
    for attempts in handler.get_user_attempts(request, credentials):
        counted = 0
        for attempt_time, failures in attempts.order_by("-attempt_time").values_list(
            "attempt_time", "failures_since_start"
        ):
            counted += failures
            if counted >= limit:
                ends.append(attempt_time + cool_off)
                break
    return max(ends)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: a page that says, in plain words, when to try again (429 with Retry-After).

    It names neither the account nor why (account or address): the same page for an account that exists and one
    that does not."""
    ends = lockout_ends(request, credentials)
    seconds = max(1, math.ceil((ends - timezone.now()).total_seconds()))
    context = {"until": ends, "minutes": max(1, math.ceil(seconds / 60))}
    response = render(request, LOCKED_OUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response
