"""The issuer's own pages (staff only): the issuer picker and the dashboard."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from issuer.extensions import dashboard_panels
from issuer.models import Issuer
from issuer.permissions import Action, issuer_required, issuers_of
from issuer.selectors import recent_activity


@require_safe
@login_required
def manage_index(request: HttpRequest) -> HttpResponse:
    """The issuers the user is staff of; straight to the dashboard when there is only one."""
    issuers = issuers_of(request.user)
    if len(issuers) == 1:
        return redirect("issuer:dashboard", issuers[0].slug)
    return render(request, "issuer/manage_index.html", {"issuers": issuers})


@require_safe
@issuer_required(Action.VIEW)
def dashboard(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    """The issuer's name, the sections other apps add (issuer.extensions: badges' credential figures), and the
    latest audit events."""
    context: dict[str, Any] = {"nav": "dashboard", "recent": recent_activity(issuer, viewer=request.user), "panels": []}
    for panel in dashboard_panels():
        context.update(panel.figures(issuer))
        context["panels"].append(panel.template)
    return render(request, "issuer/dashboard.html", context)
