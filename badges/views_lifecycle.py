"""The issuer's pages for an award's later life: renew, correct, send the award e-mail again (D64).

Thin like the other award pages (badges.views_awards): a confirmation page in the style of revoking, a form, a
service in `badges.lifecycle`, a redirect with a message — to the new credential after a renewal or correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from badges.forms_lifecycle import CorrectForm, RenewForm
from badges.lifecycle import credential_correct, credential_renew, credential_resend
from badges.models import Credential, CredentialSource, CredentialStatus, Replacement
from badges.services import CredentialError
from badges.views_awards import STATE_LABELS, _credential, _detail
from issuer.models import Issuer
from issuer.permissions import Action, issuer_required


@dataclass(frozen=True)
class _Step:
    """One of the three actions as its confirmation page (badges/award_confirm.html) words it."""

    verb: str
    title: Promise
    explanation: Promise
    button: Promise
    button_class: str = ""


RENEW = _Step(
    verb="renew",
    title=_("Renew this award"),
    explanation=_(
        "A new credential is issued with a later end date and e-mailed to the learner. This one stays valid until "
        "it ends; its page and the verifier link to the renewal."
    ),
    button=_("Renew"),
)
CORRECT = _Step(
    verb="correct",
    title=_("Correct this award"),
    explanation=_(
        "A corrected credential is issued and e-mailed to the learner, and this one is revoked as superseded by it: "
        "it fails verification from now on, and its page and the verifier link to the replacement."
    ),
    button=_("Issue the correction"),
    button_class="danger",
)
RESEND = _Step(
    verb="resend",
    title=_("Send the award e-mail again"),
    explanation=_(
        "The learner gets the award e-mail again, with the link to this same credential; nothing new is issued. "
        "At most three times a day."
    ),
    button=_("Send again"),
)


def _refusal(credential: Credential, step: _Step) -> str:
    """Why the action cannot be taken on this award, in words; "" when it can."""
    successor = getattr(credential, "replaced_by", None) if step.verb != "resend" else None
    if successor is not None:
        if successor.replacement == Replacement.RENEWAL:
            return gettext("This award was already renewed; renew or correct the renewal instead.")
        return gettext("This award was already corrected; renew or correct the correction instead.")
    if credential.status == CredentialStatus.REVOKED:
        return gettext("This award is revoked, so it cannot be renewed, corrected or e-mailed again.")
    if credential.status == CredentialStatus.SUSPENDED:
        return gettext("This award is suspended: reinstate it first.")
    if step.verb == "renew" and credential.valid_until is None:
        return gettext("This award does not expire, so there is nothing to renew.")
    return ""


def _page(request: HttpRequest, credential: Credential, step: _Step, form: Any) -> HttpResponse:
    state = credential.state()
    refusal = _refusal(credential, step)
    context = {
        "nav": "awards",
        "credential": credential,
        "state": state,
        "state_label": STATE_LABELS[state],
        "change": step,
        "allowed": not refusal,
        "refusal": refusal,
        "form": form,
    }
    return render(request, "badges/award_confirm.html", context)


def _refused(
    request: HttpRequest, issuer: Issuer, credential: Credential, step: _Step, form: Any, exc: Exception
) -> HttpResponse:
    error = exc if isinstance(exc, CredentialError) else CredentialError(str(exc))
    if form is not None and error.field in form.fields:
        form.add_error(error.field, error.message)
        return _page(request, credential, step, form)
    messages.error(request, error.message)
    return _detail(issuer, credential)


@require_http_methods(["GET", "POST"])
@issuer_required(Action.AWARD)
def award_renew(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    credential = _credential(issuer, uuid)
    form = RenewForm(request.POST if request.method == "POST" else None, credential=credential)
    if request.method == "POST" and form.is_valid():
        try:
            renewal = credential_renew(
                credential=credential,
                valid_until=form.cleaned_data["valid_until"],
                actor=request.user,
                source=CredentialSource.UI,
            )
        except CredentialError as exc:
            return _refused(request, issuer, credential, RENEW, form, exc)
        messages.success(
            request, gettext("Renewed: this is the new credential. The learner is being e-mailed a link to it.")
        )
        return _detail(issuer, renewal)
    return _page(request, credential, RENEW, form)


@require_http_methods(["GET", "POST"])
@issuer_required(Action.AWARD)
def award_correct(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    credential = _credential(issuer, uuid)
    form = CorrectForm(request.POST if request.method == "POST" else None, credential=credential)
    if request.method == "POST" and form.is_valid():
        try:
            correction = credential_correct(
                credential=credential,
                name=form.cleaned_data["name"],
                achievement=form.cleaned_data["achievement"],
                actor=request.user,
                source=CredentialSource.UI,
            )
        except CredentialError as exc:
            return _refused(request, issuer, credential, CORRECT, form, exc)
        messages.success(
            request,
            gettext(
                "Corrected: this is the new credential, and the old one is revoked as superseded. "
                "The learner is being e-mailed a link to it."
            ),
        )
        return _detail(issuer, correction)
    return _page(request, credential, CORRECT, form)


@require_http_methods(["GET", "POST"])
@issuer_required(Action.AWARD)
def award_resend(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    credential = _credential(issuer, uuid)
    if request.method == "POST":
        try:
            credential_resend(credential=credential, actor=request.user)
        except CredentialError as exc:
            return _refused(request, issuer, credential, RESEND, None, exc)
        messages.success(
            request,
            gettext("The award e-mail is being sent again to %(email)s.") % {"email": credential.recipient_email},
        )
        return _detail(issuer, credential)
    return _page(request, credential, RESEND, None)
