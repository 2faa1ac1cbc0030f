"""Who may do what in an issuer: roles map to actions, checked on the server for every view.

Deny by default: a user who is not staff of the issuer gets 404 (the issuer's existence is not
revealed); staff whose role lacks the action get 403. Platform superusers use Django admin, not
these pages, and have no implicit role here.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from issuer.models import Issuer, IssuerMembership, Role


class Action(StrEnum):
    VIEW = "view"
    EDIT_ACHIEVEMENTS = "edit_achievements"
    AWARD = "award"  # award, revoke, suspend, unsuspend
    EDIT_PROFILE = "edit_profile"
    MANAGE_KEYS = "manage_keys"
    MANAGE_STAFF = "manage_staff"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.EDITOR: frozenset({Action.VIEW, Action.EDIT_ACHIEVEMENTS}),
    Role.AWARDER: frozenset({Action.VIEW, Action.AWARD}),
    Role.VIEWER: frozenset({Action.VIEW}),
}


def can(membership: IssuerMembership | None, action: Action) -> bool:
    return membership is not None and action in ROLE_ACTIONS.get(membership.role, frozenset())


def membership_for(user: Any, slug: str) -> IssuerMembership:
    """The user's membership in the issuer `slug`, or 404 — for strangers and missing issuers alike."""
    if not user.is_authenticated:
        raise Http404("No such issuer.")
    membership = IssuerMembership.objects.select_related("issuer").filter(issuer__slug=slug, user=user).first()
    if membership is None:
        raise Http404("No such issuer.")
    return membership


def issuer_required(action: Action) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Decorator for views taking `slug`: sets `request.issuer` and `request.membership`, checks `action`."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = membership_for(request.user, slug)
            if not can(membership, action):
                raise PermissionDenied(f"Your role ({membership.get_role_display()}) does not allow this.")
            request.membership = membership  # type: ignore[attr-defined]
            request.issuer = membership.issuer  # type: ignore[attr-defined]
            return view(request, membership.issuer, *args, **kwargs)

        return wrapped

    return decorator


def issuers_of(user: Any) -> list[Issuer]:
    if not user.is_authenticated:
        return []
    return list(Issuer.objects.filter(memberships__user=user).order_by("name"))
