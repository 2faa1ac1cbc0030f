"""Deny by default: every issuer-scoped view (`/api/v1/issuers/<slug>/...`) names its resource, and a request must
match both the issuer and the resource.

- A token: the URL's issuer must be the token's, else 404 with the body of a missing issuer (another issuer's data
  is not revealed); its scopes must cover the resource, `<resource>:read` for GET/HEAD/OPTIONS and
  `<resource>:write` for the rest (write implies read), else 403 naming the missing scope; and for a write, the
  token's actions (`token_actor`) must include the view's `write_actions`, else 403 naming the scopes that would.
- A signed-in user (the browser): the role's actions (issuer.permissions, D12), VIEW for reads and every one of the
  view's `write_actions` for the rest; not staff of the issuer → 404, staff without the actions → 403.

The services check the same again (issuer.permissions.authorize, D34) with the actor `IssuerApiView.actor` gives.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.authentication import token_of
from api.models import ApiToken
from config.problems import InsufficientScope
from issuer.models import Issuer, IssuerMembership
from issuer.permissions import ACTION_LABELS, Action, ScopedActor, can

NO_SUCH_ISSUER = "No such issuer."

# What each write scope lets a token do in the services; any scope lets it read. Scopes are the integrator's view
# of the role table: a stacking rule awards credentials, so writing one needs a scope that awards as well (D34).
WRITE_SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    "issuer:write": frozenset({Action.EDIT_PROFILE}),
    "achievements:write": frozenset({Action.EDIT_ACHIEVEMENTS}),
    "credentials:write": frozenset({Action.AWARD}),
    "bulk:write": frozenset({Action.AWARD}),  # a bulk job awards credentials
    "stacking:write": frozenset({Action.EDIT_ACHIEVEMENTS}),
}


def token_actor(token: ApiToken) -> ScopedActor:
    """The token as the services' actor: its issuer, the actions of its scopes, its label, and its creator (whom
    the audit rows name)."""
    actions = {Action.VIEW} if token.scopes else set()
    for scope in token.scopes:
        actions |= WRITE_SCOPE_ACTIONS.get(scope, frozenset())
    return ScopedActor(
        issuer_id=token.issuer_id, actions=frozenset(actions), label=token.label, on_behalf_of=token.created_by
    )


def scopes_granting(action: Action) -> list[str]:
    return [scope for scope, actions in WRITE_SCOPE_ACTIONS.items() if action in actions]


class IssuerAccess(BasePermission):
    """Sets `view.issuer` for the views behind it. Views declare `resource` (a scope's resource) and
    `write_actions` (the issuer role actions their writes need)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401
        slug = view.kwargs.get("slug", "")
        resource: str = view.resource
        write = request.method not in SAFE_METHODS
        write_actions: tuple[Action, ...] = view.write_actions
        token = token_of(request)
        if token is not None:
            if token.issuer.slug != slug:
                raise exceptions.NotFound(NO_SUCH_ISSUER)
            scope = f"{resource}:{'write' if write else 'read'}"
            if not token.allows(scope):
                raise InsufficientScope(f"This token lacks the scope {scope}.")
            granted = token_actor(token).actions
            for action in write_actions if write else ():
                if action not in granted:
                    # Whole sentences in the request's language: the action's label follows it (issuer.permissions).
                    raise InsufficientScope(
                        gettext("This also needs a scope that allows it to %(action)s: %(scopes)s.")
                        % {"action": ACTION_LABELS[action], "scopes": gettext(" or ").join(scopes_granting(action))}
                    )
            view.issuer = token.issuer
            return True
        membership = (
            IssuerMembership.objects.select_related("issuer").filter(issuer__slug=slug, user=request.user).first()
        )
        if membership is None:
            raise exceptions.NotFound(NO_SUCH_ISSUER)
        actions = write_actions if write else (Action.VIEW,)
        if not all(can(membership, action) for action in actions):
            raise exceptions.PermissionDenied(
                gettext("Your role (%(role)s) does not allow this.") % {"role": membership.get_role_display()}
            )
        view.issuer = membership.issuer
        return True


def issuer_of(view: Any) -> Issuer:
    return view.issuer
