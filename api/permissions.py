"""Deny by default: every issuer-scoped view (`/api/v1/issuers/<slug>/...`) names its resource, and a request must
match both the issuer and the resource.

- A token: the URL's issuer must be the token's, else 404 with the body of a missing issuer (another issuer's data
  is not revealed); its scopes must cover the resource, `<resource>:read` for GET/HEAD/OPTIONS and
  `<resource>:write` for the rest (write implies read), else 403 naming the missing scope.
- A signed-in user (the browser): the role's actions (issuer.permissions, D12), VIEW for reads and the view's
  write action for the rest; not staff of the issuer → 404, staff without the action → 403.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from api.authentication import token_of
from config.problems import InsufficientScope
from issuer.models import Issuer, IssuerMembership
from issuer.permissions import Action, can

NO_SUCH_ISSUER = "No such issuer."


class IssuerAccess(BasePermission):
    """Sets `view.issuer` for the views behind it. Views declare `resource` (a scope's resource) and
    `write_action` (the issuer role action a signed-in user needs to write)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401
        slug = view.kwargs.get("slug", "")
        resource: str = view.resource
        write = request.method not in SAFE_METHODS
        token = token_of(request)
        if token is not None:
            if token.issuer.slug != slug:
                raise exceptions.NotFound(NO_SUCH_ISSUER)
            scope = f"{resource}:{'write' if write else 'read'}"
            if not token.allows(scope):
                raise InsufficientScope(f"This token lacks the scope {scope}.")
            view.issuer = token.issuer
            return True
        membership = (
            IssuerMembership.objects.select_related("issuer").filter(issuer__slug=slug, user=request.user).first()
        )
        if membership is None:
            raise exceptions.NotFound(NO_SUCH_ISSUER)
        action = view.write_action if write else Action.VIEW
        if not can(membership, action):
            raise exceptions.PermissionDenied(f"Your role ({membership.get_role_display()}) does not allow this.")
        view.issuer = membership.issuer
        return True


def issuer_of(view: Any) -> Issuer:
    return view.issuer
