from typing import Any

from django.http import HttpRequest

from issuer.permissions import Action, can


def issuer_navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation needs: the current issuer and which of its actions the user may take."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "current_issuer": membership.issuer,
        "current_role": membership.role,
        "issuer_can": {action.value: can(membership, action) for action in Action},
    }
