"""The issuer's endorsements page: endorse another issuer or its achievement, decide on the endorsements received,
add one signed elsewhere, withdraw one given (D63).

Views are thin: a form reads the input, a service in `badges.endorsements` checks who may and writes. An endorsement
is looked up among those the URL's issuer received (deciding) or gave (withdrawing), so another's is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from badges.endorsements import (
    GIVE,
    MAX_COMMENT,
    RECEIVE,
    EndorsementError,
    endorsement_add,
    endorsement_decide,
    endorsement_give,
    endorsement_subject,
    endorsement_withdraw,
)
from badges.models import Endorsement
from issuer.models import Issuer
from issuer.permissions import Action, can, issuer_required

# The largest endorsement a form takes: a signed credential with a long comment is a few kilobytes.
MAX_PASTED = 64 * 1024


class EndorseForm(forms.Form):
    subject = forms.CharField(
        label=_("What you endorse"),
        help_text=_(
            "The address of an achievement's page or of an issuer's page on this platform, or an issuer's DID."
        ),
        max_length=500,
    )
    comment = forms.CharField(
        label=_("Your endorsement"),
        help_text=_("What you vouch for, in a few sentences. It is signed as written, and shown to everyone."),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AddEndorsementForm(forms.Form):
    credential = forms.CharField(
        label=_("Signed endorsement"),
        help_text=_("An EndorsementCredential about this issuer or one of its achievements: JSON or a VC-JWT."),
        max_length=MAX_PASTED,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )


def _page(
    request: AuthenticatedHttpRequest,
    issuer: Issuer,
    *,
    endorse: EndorseForm | None = None,
    add: AddEndorsementForm | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = request.membership  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "nav": "endorsements",
        "received": Endorsement.objects.filter(issuer=issuer).select_related("achievement", "endorser"),
        "given": Endorsement.objects.filter(endorser=issuer).select_related("achievement", "issuer"),
        "can_give": can(membership, GIVE),
        "can_receive": can(membership, RECEIVE),
        "endorse_form": endorse or EndorseForm(initial={"subject": request.GET.get("subject", "")}),
        "add_form": add or AddEndorsementForm(),
    }
    return render(request, "badges/endorsements.html", context, status=status)


@require_safe
@issuer_required(Action.VIEW)
def endorsement_list(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    return _page(request, issuer)


@require_POST
@issuer_required(GIVE)
def endorsement_create(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    form = EndorseForm(request.POST)
    if form.is_valid():
        try:
            endorsed, achievement = endorsement_subject(form.cleaned_data["subject"])
            endorsement_give(
                endorser=issuer,
                issuer=endorsed,
                achievement=achievement,
                comment=form.cleaned_data["comment"],
                actor=request.user,
            )
        except EndorsementError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            done = gettext("Endorsed %(subject)s. %(issuer)s decides whether to show it.")
            name = achievement.name if achievement is not None else endorsed.name
            messages.success(request, done % {"subject": name, "issuer": endorsed.name})
            return redirect("badges:endorsement-list", issuer.slug)
    return _page(request, issuer, endorse=form, status=400)


@require_POST
@issuer_required(RECEIVE)
def endorsement_import(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    form = AddEndorsementForm(request.POST)
    if form.is_valid():
        try:
            endorsement = endorsement_add(issuer=issuer, text=form.cleaned_data["credential"], actor=request.user)
        except EndorsementError as exc:
            form.add_error("credential", exc.message)
        else:
            done = gettext("Added the endorsement by %(endorser)s; it is shown from now on.")
            messages.success(request, done % {"endorser": endorsement.endorser_name or endorsement.endorser_identifier})
            return redirect("badges:endorsement-list", issuer.slug)
    return _page(request, issuer, add=form, status=400)


@require_POST
@issuer_required(RECEIVE)
def endorsement_decision(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: str, decision: str) -> HttpResponse:
    """Accept or decline an endorsement this issuer received."""
    if decision not in ("accept", "decline"):
        raise Http404("No such decision.")
    endorsement = get_object_or_404(Endorsement, issuer=issuer, uuid=uuid)
    try:
        endorsement = endorsement_decide(endorsement=endorsement, accept=decision == "accept", actor=request.user)
    except EndorsementError as exc:
        messages.error(request, exc.message)
    else:
        if decision == "accept":
            done = gettext("The endorsement by %(endorser)s is shown, and embedded in the credentials you award next.")
        else:
            done = gettext("The endorsement by %(endorser)s is no longer shown.")
        messages.success(request, done % {"endorser": endorsement.endorser_name})
    return redirect("badges:endorsement-list", issuer.slug)


@require_POST
@issuer_required(GIVE)
def endorsement_revoke(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: str) -> HttpResponse:
    """Withdraw an endorsement this issuer gave."""
    endorsement = get_object_or_404(Endorsement, endorser=issuer, uuid=uuid)
    try:
        endorsement_withdraw(endorsement=endorsement, actor=request.user)
    except EndorsementError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Withdrawn: the endorsement is revoked wherever it was copied."))
    return redirect("badges:endorsement-list", issuer.slug)
