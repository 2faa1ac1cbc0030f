"""Who may do what in an issuer: roles map to actions (`ROLE_ACTIONS`, the one table), checked on the server for
every view (`issuer_required`) and again inside every write service (`authorize`), so a caller that skips the view
cannot skip the rule (docs/decisions.md D12, D34).

Deny by default. In the views, a user who is not staff of the issuer gets 404 (the issuer's existence is not
revealed); staff whose role lacks the action get 403. In the services, an actor that is not allowed the action on
the issuer is refused with `NotAuthorized` (a PermissionDenied: Django and DRF answer 403).

Who acts (`Actor`):
- a signed-in user, through their membership role in the issuer (platform superusers have no implicit role here:
  they use Django admin);
- a `ScopedActor`: bound to one issuer with a fixed set of actions. The api app turns an API token into one from
  the token's issuer and scopes (issuer does not import api);
- a `SystemActor`: the platform acting on its own (a stacking rule, a bulk job continuing in a worker after it was
  authorized, a management command, the Django admin). It names its cause, which the audit log records; nothing
  acts as nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from issuer.models import Issuer, IssuerMembership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class Action(StrEnum):
    VIEW = "view"
    EDIT_ACHIEVEMENTS = "edit_achievements"  # achievements; with AWARD, stacking rules and partnerships
    AWARD = "award"  # award, revoke, suspend, unsuspend; bulk jobs; with EDIT_ACHIEVEMENTS, stacking rules
    EDIT_PROFILE = "edit_profile"
    MANAGE_KEYS = "manage_keys"  # signing keys, and what acts for the issuer like a key: API tokens, webhook secrets
    MANAGE_STAFF = "manage_staff"


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.OWNER: frozenset(Action),
    Role.EDITOR: frozenset({Action.VIEW, Action.EDIT_ACHIEVEMENTS}),
    Role.AWARDER: frozenset({Action.VIEW, Action.AWARD}),
    Role.VIEWER: frozenset({Action.VIEW}),
}

# A stacking rule awards credentials whenever a learner satisfies it, and a partnership widens what rules may
# count: writing either is awarding as well as editing (D34).
STACKING_WRITE = (Action.EDIT_ACHIEVEMENTS, Action.AWARD)

# What a refusal says the actor may not do: "ana may not <label> in <issuer>".
ACTION_LABELS = {
    Action.VIEW: _("see this issuer"),
    Action.EDIT_ACHIEVEMENTS: _("edit achievements"),
    Action.AWARD: _("award, revoke or suspend credentials"),
    Action.EDIT_PROFILE: _("change the issuer profile"),
    Action.MANAGE_KEYS: _("manage keys, API tokens and webhooks"),
    Action.MANAGE_STAFF: _("manage staff"),
}


class NotAuthorized(PermissionDenied):
    """A write service refused: the actor may not do this on this issuer, or the object is another issuer's."""


@dataclass(frozen=True)
class SystemActor:
    """The platform acting on its own, for `cause` ("stacking rule <uuid>", "bulk job <uuid>", "seed_demo"): allowed
    every action, and only ever created by the code that does the work, never from a request's input.
    `on_behalf_of`: the person who started the work, when there is one (the uploader of a bulk job); audit rows
    record them as the actor and `cause` as the label."""

    cause: str
    on_behalf_of: User | None = None

    def __post_init__(self) -> None:
        if not self.cause.strip():
            raise ValueError("A system actor names its cause.")

    @property
    def label(self) -> str:
        return self.cause


@dataclass(frozen=True)
class ScopedActor:
    """An actor bound to one issuer with a fixed set of actions whatever any role says: an API token (built by
    api.permissions.token_actor from its issuer and scopes). `on_behalf_of`: who the audit rows record (the token's
    creator), with `label`."""

    issuer_id: int
    actions: frozenset[Action]
    label: str
    on_behalf_of: User | None = None


Actor: TypeAlias = "User | AnonymousUser | ScopedActor | SystemActor"


def can(membership: IssuerMembership | None, action: Action) -> bool:
    return membership is not None and action in ROLE_ACTIONS.get(membership.role, frozenset())


def actions_of(actor: Actor | None, issuer: Issuer) -> frozenset[Action]:
    """What `actor` may do in `issuer`: nothing for no actor, an anonymous or inactive user, or a stranger."""
    if isinstance(actor, SystemActor):
        return frozenset(Action)
    if isinstance(actor, ScopedActor):
        return actor.actions if actor.issuer_id == issuer.pk else frozenset()
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return frozenset()
    return ROLE_ACTIONS.get(_role(issuer.pk, actor.pk) or "", frozenset())


def _role(issuer_id: int, user_id: int) -> str | None:
    """The user's role in the issuer (one membership at most: a unique constraint). Every write pays this lookup,
    so it is one prepared statement rather than a queryset the ORM compiles each time (about 0.3 ms of CPU)."""
    meta = IssuerMembership._meta
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote(meta.get_field('role').column)} FROM {quote(meta.db_table)}"  # noqa: S608 - names from the model
        f" WHERE {quote(meta.get_field('issuer').column)} = %s AND {quote(meta.get_field('user').column)} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [issuer_id, user_id])
        row = cursor.fetchone()
    return row[0] if row else None


def describe(actor: Actor | None) -> str:
    if actor is None:
        return gettext("No one")
    if isinstance(actor, SystemActor | ScopedActor):
        return actor.label
    return actor.get_username() if actor.is_authenticated else gettext("An anonymous visitor")


def authorize(actor: Actor | None, issuer: Issuer, *actions: Action) -> None:
    """Raise NotAuthorized unless `actor` may do every one of `actions` in `issuer`. Every write service calls it
    first, whoever its caller is."""
    if not actions:
        raise ValueError("authorize() needs the actions to check.")
    allowed = actions_of(actor, issuer)
    missing = [action for action in actions if action not in allowed]
    if missing:
        wanted = gettext(" and ").join(str(ACTION_LABELS[action]) for action in missing)
        raise NotAuthorized(
            gettext("%(actor)s may not %(actions)s in %(issuer)s.")
            % {"actor": describe(actor), "actions": wanted, "issuer": issuer.name}
        )


def authorize_platform(actor: Actor | None, *, what: str) -> None:
    """Work above any one issuer (creating an issuer) is the platform's: a command or the admin, as a system
    actor. No user may, superusers included (they have no implicit role, D12)."""
    if not isinstance(actor, SystemActor):
        raise NotAuthorized(f"{describe(actor)} may not {what}: only the platform does (a command or the admin).")


def ensure_of_issuer(issuer: Issuer, objects: Iterable[Any]) -> None:
    """Refuse objects of another issuer: an authorization holds for one issuer's objects only (tenant isolation)."""
    for obj in objects:
        if obj.issuer_id != issuer.pk:
            raise NotAuthorized(
                gettext("This %(kind)s belongs to another issuer than %(issuer)s.")
                % {"kind": type(obj).__name__.lower(), "issuer": issuer.name}
            )


def audit_user(actor: Actor | None) -> User | None:
    """The user an audit row (or a `created_by`) records for `actor`, if any."""
    if isinstance(actor, SystemActor | ScopedActor):
        return actor.on_behalf_of
    if actor is not None and actor.is_authenticated:
        return actor
    return None


def audit_label(actor: Actor | None) -> str:
    """The label an audit row records for `actor`: a token's or a system actor's; a user has none."""
    return actor.label if isinstance(actor, SystemActor | ScopedActor) else ""


def membership_for(user: Any, slug: str) -> IssuerMembership:
    """The user's membership in the issuer `slug`, or 404 — for strangers and missing issuers alike."""
    if not user.is_authenticated:
        raise Http404("No such issuer.")
    membership = IssuerMembership.objects.select_related("issuer").filter(issuer__slug=slug, user=user).first()
    if membership is None:
        raise Http404("No such issuer.")
    return membership


def issuer_required(*actions: Action) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Decorator for views taking `slug`: sets `request.issuer` and `request.membership`, checks every action."""
    if not actions:
        raise ValueError("issuer_required() needs the actions the view performs.")

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            membership = membership_for(request.user, slug)
            if not all(can(membership, action) for action in actions):
                raise PermissionDenied(
                    gettext("Your role (%(role)s) does not allow this.") % {"role": membership.get_role_display()}
                )
            request.membership = membership  # type: ignore[attr-defined]
            request.issuer = membership.issuer  # type: ignore[attr-defined]
            return view(request, membership.issuer, *args, **kwargs)

        return wrapped

    return decorator


def issuers_of(user: Any) -> list[Issuer]:
    if not user.is_authenticated:
        return []
    return list(Issuer.objects.filter(memberships__user=user).order_by("name"))
