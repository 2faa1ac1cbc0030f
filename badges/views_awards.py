"""The issuer's award pages: award one credential, list and inspect awards, revoke, suspend, reinstate.

Views are thin: a form validates, a service in `badges.services` writes, the view redirects with a
message. Every credential is looked up within the issuer of the URL, so another issuer's UUID is a 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from badges.exports import CREDENTIAL_COLUMNS, credential_export, csv_chunks
from badges.filters import CredentialFilter
from badges.forms_awards import AwardForm, BulkRevokeForm, BulkSelectionForm, RevokeForm, SuspendForm
from badges.models import Credential, CredentialSource, CredentialStatus
from badges.services import (
    CredentialError,
    credential_issue,
    credential_revoke,
    credential_revoke_many,
    credential_suspend,
    credential_unsuspend,
)
from issuer.models import Issuer
from issuer.permissions import Action, issuer_required
from issuer.selectors import audit_events, audit_lines

PAGE_SIZE = 25

STATE_LABELS = {
    "active": pgettext_lazy("credential state", "Active"),
    "pending": pgettext_lazy("credential state", "Not yet valid"),
    "expired": pgettext_lazy("credential state", "Expired"),
    "suspended": pgettext_lazy("credential state", "Suspended"),
    "revoked": pgettext_lazy("credential state", "Revoked"),
}


def _credential(issuer: Issuer, uuid: Any) -> Credential:
    return get_object_or_404(Credential.objects.select_related("issuer", "achievement"), issuer=issuer, uuid=uuid)


def _detail(issuer: Issuer, credential: Credential) -> HttpResponse:
    return redirect("badges:award-detail", issuer.slug, credential.uuid)


@require_http_methods(["GET", "POST"])
@issuer_required(Action.AWARD)
def award_create(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    results_drawn = False
    if request.method == "POST":
        form = AwardForm(request.POST, issuer=issuer)
        if form.results_unseen():
            # The achievement was chosen on this page: draw its result inputs, keeping what was typed, and say
            # at once what else is wrong, so that one more submission awards. Nothing is awarded from this post.
            data = request.POST.copy()
            data["results_for"] = str(form.chosen.pk) if form.chosen else ""
            form = AwardForm(data, issuer=issuer)
            form.is_valid()
            results_drawn = True
        elif form.is_valid():
            try:
                credential = credential_issue(
                    request=form.award_request(), source=CredentialSource.UI, actor=request.user
                )
            except CredentialError as exc:
                form.add_service_error(exc)
            else:
                messages.success(
                    request,
                    gettext("Awarded %(achievement)s to %(email)s. The learner is being e-mailed a link to it.")
                    % {"achievement": credential.achievement.name, "email": credential.recipient_email},
                )
                return _detail(issuer, credential)
    else:
        initial = {}
        if (ref := request.GET.get("achievement", "")).isdigit():
            initial["achievement"] = int(ref)
        form = AwardForm(initial=initial, issuer=issuer)
    context = {"nav": "awards", "form": form, "results_drawn": results_drawn}
    return render(request, "badges/award_form.html", context)


@require_safe
@issuer_required(Action.VIEW)
def award_list(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    """All awards of the issuer, or of one achievement (`?achievement=`), searchable and filtered."""
    now = timezone.now()
    filterset = CredentialFilter(
        request.GET or None,
        Credential.objects.filter(issuer=issuer).select_related("achievement"),
        issuer=issuer,
        now=now,
    )
    filters = filterset.form
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "credential": credential,
            "state": (state := credential.state(now=now)),
            "state_label": STATE_LABELS[state],
            "formats": credential.formats,
        }
        for credential in page
    ]
    achievement = filters.cleaned_data.get("achievement") if filters.is_bound else None
    return render(
        request,
        "badges/award_list.html",
        {"nav": "awards", "filters": filters, "page": page, "rows": rows, "achievement": achievement},
    )


@require_safe
@issuer_required(Action.VIEW)
def award_export(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponseBase:
    """The awards the list shows with the same parameters, every page of them, as CSV, streamed. A filter the list
    would ignore refuses the export instead (400): a file is kept and passed on, and one with more rows than asked
    for would not say so."""
    filterset = CredentialFilter(request.GET or None, Credential.objects.filter(issuer=issuer), issuer=issuer)
    if filterset.is_bound and not filterset.form.is_valid():
        fields = filterset.form.fields
        problems = [
            f"{fields[name].label if name in fields else name}: {error}"
            for name, errors in filterset.errors.items()
            for error in errors
        ]
        return HttpResponse(
            gettext("Nothing was exported. Correct the filters on the awards page:")
            + "\n"
            + "\n".join(problems)
            + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = credential_export(issuer=issuer, actor=request.user, credentials=filterset.qs)
    response = StreamingHttpResponse(csv_chunks(CREDENTIAL_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    day = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{issuer.slug}-credentials-{day}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@issuer_required(Action.VIEW)
def award_detail(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    credential = _credential(issuer, uuid)
    state = credential.state()
    events = audit_events(issuer, viewer=request.user).filter(object_type="credential", object_id=str(credential.pk))
    context = {
        "nav": "awards",
        "credential": credential,
        "state": state,
        "state_label": STATE_LABELS[state],
        "formats": credential.formats,
        # For reading only; the download link serves the exact signed bytes.
        "document_pretty": json.dumps(json.loads(credential.document), indent=2, ensure_ascii=False),
        "audit": audit_lines(issuer, events),
    }
    return render(request, "badges/award_detail.html", context)


@dataclass(frozen=True)
class _StatusChange:
    """One of the three single-credential status changes: its page texts (lazy: worded in the reader's language
    when shown) and its rule. `refused` names the award's state in `%(state)s`."""

    verb: str
    title: Promise
    explanation: Promise
    button: Promise
    button_class: str
    allowed_from: tuple[str, ...]
    done: Promise
    refused: Promise


REVOKE = _StatusChange(
    verb="revoke",
    title=_("Revoke this award"),
    explanation=_(
        "Revoking is permanent: the credential will fail verification everywhere from now on. "
        "It cannot be undone; to pause a credential, suspend it instead."
    ),
    button=_("Revoke for good"),
    button_class="danger",
    allowed_from=(CredentialStatus.ACTIVE, CredentialStatus.SUSPENDED),
    done=_("The credential is revoked."),
    refused=_("This award is %(state)s, so it cannot be revoked."),
)
SUSPEND = _StatusChange(
    verb="suspend",
    title=_("Suspend this award"),
    explanation=_("While suspended, our verifier reports the credential as suspended. You can reinstate it later."),
    button=_("Suspend"),
    button_class="danger",
    allowed_from=(CredentialStatus.ACTIVE,),
    done=_("The credential is suspended."),
    refused=_("This award is %(state)s, so it cannot be suspended."),
)
UNSUSPEND = _StatusChange(
    verb="unsuspend",
    title=_("Reinstate this award"),
    explanation=_("The credential becomes active again and verifies as before."),
    button=_("Reinstate"),
    button_class="",
    allowed_from=(CredentialStatus.SUSPENDED,),
    done=_("The credential is active again."),
    refused=_("This award is %(state)s, so it cannot be reinstated."),
)


def _status_change_page(
    request: HttpRequest, issuer: Issuer, credential: Credential, change: _StatusChange, form: Any
) -> HttpResponse:
    state = credential.state()
    context = {
        "nav": "awards",
        "credential": credential,
        "state": state,
        "state_label": STATE_LABELS[state],
        "change": change,
        "allowed": credential.status in change.allowed_from,
        # The state as a word inside the sentence ("This award is revoked, so …").
        "refusal": str(change.refused) % {"state": str(STATE_LABELS[state]).lower()},
        "form": form,
    }
    return render(request, "badges/award_confirm.html", context)


def _apply(
    request: HttpRequest,
    issuer: Issuer,
    credential: Credential,
    change: _StatusChange,
    form: Any,
    write: Callable[[], Credential],
) -> HttpResponse:
    """Run a status change's service; a refusal shows next to its field or as a message on the detail page."""
    try:
        write()
    except CredentialError as exc:
        if form is not None and exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _status_change_page(request, issuer, credential, change, form)
        messages.error(request, exc.message)
        return _detail(issuer, credential)
    messages.success(request, str(change.done))
    return _detail(issuer, credential)


@require_http_methods(["GET", "POST"])
@issuer_required(Action.AWARD)
def award_revoke(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    credential = _credential(issuer, uuid)
    form = RevokeForm(request.POST) if request.method == "POST" else RevokeForm()
    if request.method == "POST" and form.is_valid():
        return _apply(
            request,
            issuer,
            credential,
            REVOKE,
            form,
            lambda: credential_revoke(credential=credential, reason=form.cleaned_data["reason"], actor=request.user),
        )
    return _status_change_page(request, issuer, credential, REVOKE, form)


@require_http_methods(["GET", "POST"])
@issuer_required(Action.AWARD)
def award_suspend(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    credential = _credential(issuer, uuid)
    form = SuspendForm(request.POST) if request.method == "POST" else SuspendForm()
    if request.method == "POST" and form.is_valid():
        return _apply(
            request,
            issuer,
            credential,
            SUSPEND,
            form,
            lambda: credential_suspend(credential=credential, reason=form.cleaned_data["reason"], actor=request.user),
        )
    return _status_change_page(request, issuer, credential, SUSPEND, form)


@require_http_methods(["GET", "POST"])
@issuer_required(Action.AWARD)
def award_unsuspend(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    credential = _credential(issuer, uuid)
    if request.method == "POST":
        return _apply(
            request,
            issuer,
            credential,
            UNSUSPEND,
            None,
            lambda: credential_unsuspend(credential=credential, actor=request.user),
        )
    return _status_change_page(request, issuer, credential, UNSUSPEND, None)


@transaction.atomic
def _list_url(issuer: Issuer, back: str) -> str:
    """Back to the list the selection was made in (its filters and page), never elsewhere."""
    url = reverse("badges:award-list", args=[issuer.slug])
    if back.startswith(url) and "//" not in back and "\\" not in back:
        return back
    return url


@require_POST
@issuer_required(Action.AWARD)
def award_bulk_revoke(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    """From the list: the ticked awards → a confirmation listing them with one reason → revoke all."""
    back = _list_url(issuer, request.POST.get("back", ""))
    if "confirm" not in request.POST:
        selection = BulkSelectionForm(request.POST, issuer=issuer)
        if not selection.is_valid():
            for error in selection.errors.get("selected", []):
                messages.error(request, str(error))
            return redirect(back)
        form = BulkRevokeForm(issuer=issuer, initial={"selected": [c.uuid for c in selection.cleaned_data["selected"]]})
        return _bulk_page(request, form, list(selection.cleaned_data["selected"]), back)

    form = BulkRevokeForm(request.POST, issuer=issuer)
    valid = form.is_valid()
    selected = list(form.cleaned_data.get("selected", []))
    if not selected:
        for error in form.errors.get("selected", []):
            messages.error(request, str(error))
        return redirect(back)
    if valid:
        try:
            revoked, skipped = credential_revoke_many(
                issuer=issuer, credentials=selected, reason=form.cleaned_data["reason"], actor=request.user
            )
        except CredentialError as exc:
            form.add_error(None, gettext("Nothing was revoked: %(reason)s") % {"reason": exc.message})
        else:
            text = ngettext("Revoked %(count)s award.", "Revoked %(count)s awards.", len(revoked)) % {
                "count": len(revoked)
            }
            if skipped:
                text += " " + ngettext(
                    "Skipped %(count)s already revoked: %(emails)s.",
                    "Skipped %(count)s already revoked: %(emails)s.",
                    len(skipped),
                ) % {"count": len(skipped), "emails": ", ".join(c.recipient_email for c in skipped)}
            messages.success(request, text)
            return redirect(back)
    return _bulk_page(request, form, selected, back)


def _bulk_page(request: HttpRequest, form: BulkRevokeForm, selected: list[Credential], back: str) -> HttpResponse:
    now = timezone.now()
    rows = [
        {"credential": c, "state": (state := c.state(now=now)), "state_label": STATE_LABELS[state]} for c in selected
    ]
    to_revoke = sum(1 for c in selected if c.status != CredentialStatus.REVOKED)
    context = {"nav": "awards", "form": form, "rows": rows, "to_revoke": to_revoke, "back": back}
    return render(request, "badges/award_bulk_revoke.html", context)
