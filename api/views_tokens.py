"""The owner's API token page: the issuer's tokens (prefix, scopes, last use), a new token shown exactly once, and
revocation. Owner only (Action.MANAGE_KEYS): a token acts for the whole issuer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from api.models import RESOURCES, SCOPES, ApiToken
from api.services import ApiTokenError, token_create, token_revoke
from issuer.models import Issuer
from issuer.permissions import Action, issuer_required


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"), help_text=_("What it is for, e.g. “LMS integration”."))
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in SCOPES],  # the scopes' own names, the same in every language
        label=_("Scopes"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Write includes read. Give a script only what it needs."),
    )


@require_http_methods(["GET", "POST"])
@issuer_required(Action.MANAGE_KEYS)
def token_list(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    """GET: the tokens and the form. POST: create one; its secret is in this response only, never again."""
    form = TokenForm(request.POST or None, initial={"scopes": [s for s in SCOPES if s.endswith(":read")]})
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, secret = token_create(
                    issuer=issuer,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    actor=request.user,
                )
            except ApiTokenError as exc:
                form.add_error(None, str(exc))
                status = 400
            else:
                created = {"token": token, "secret": secret}
                form = TokenForm(initial={"scopes": token.scopes})
        else:
            status = 400
    tokens = ApiToken.objects.filter(issuer=issuer).select_related("created_by").order_by("-created_at", "-pk")
    context = {"nav": "api-tokens", "form": form, "tokens": tokens, "created": created, "resources": RESOURCES}
    response = render(request, "api/tokens.html", context, status=status)
    if created:
        response["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return response


@require_POST
@issuer_required(Action.MANAGE_KEYS)
def token_revoke_view(request: AuthenticatedHttpRequest, issuer: Issuer, prefix: str) -> HttpResponse:
    token = get_object_or_404(ApiToken, issuer=issuer, prefix=prefix)
    if token.revoked_at is not None:
        messages.info(
            request,
            gettext("The token %(prefix)s (%(name)s) was already revoked.")
            % {"prefix": token.prefix, "name": token.name},
        )
    else:
        token_revoke(token=token, actor=request.user)
        messages.success(
            request,
            gettext("The token %(prefix)s (%(name)s) is revoked: requests with it now fail.")
            % {"prefix": token.prefix, "name": token.name},
        )
    return redirect("api-ui:tokens", issuer.slug)
