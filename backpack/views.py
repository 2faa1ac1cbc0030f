"""The learner's pages of "send to my backpack": the credential's page with the host's address to give and where it
went before, and the callback the host sends the learner back to.

The form's answer is a page with a link to the host, not a redirect: the browser checks the redirects after a form
post against the page's form-action, which names only this site (D35), and the host is known only after the post.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from backpack import selectors, services
from backpack.forms import HostAddressForm
from backpack.models import BackpackSend
from learners.models import LearnerProfile
from learners.selectors import signed_names
from learners.views import learner_required

# The state keys of the sends this session started (services.StartedSend.state_key), newest last.
PENDING_SESSION_KEY = "backpack_pending"
PENDING_KEPT = 10


@never_cache
@require_http_methods(["GET", "POST"])
@learner_required
def send(request: HttpRequest, profile: LearnerProfile, uuid: str) -> HttpResponse:
    # Someone else's credential is "not found", like one that does not exist.
    credential = selectors.credential_for_learner(email=profile.email, uuid=uuid)
    if credential is None:
        raise Http404("No such credential in your credentials.")
    form = HostAddressForm(request.POST or None)
    status, retry_after = 200, 0
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                started = services.backpack_send_start(
                    email=profile.email, credential=credential, address=form.cleaned_data["address"]
                )
            except services.NotYourCredential:
                raise Http404("No such credential in your credentials.") from None
            except services.SendRefused as refused:
                form.add_error("address", str(refused))
                status, retry_after = refused.status, refused.retry_after
            else:
                pending = [*request.session.get(PENDING_SESSION_KEY, []), started.state_key][-PENDING_KEPT:]
                request.session[PENDING_SESSION_KEY] = pending
                return render(
                    request,
                    "backpack/continue.html",
                    {
                        "credential": credential,
                        "send": started.send,
                        "authorization_url": started.authorization_url,
                        "minutes": int(services.PENDING_LIFETIME.total_seconds() // 60),
                    },
                )
    achievement_name, issuer_name = signed_names(credential)
    response = render(
        request,
        "backpack/send.html",
        {
            "credential": credential,
            "achievement_name": achievement_name,
            "issuer_name": issuer_name,
            "email": profile.email,
            "form": form,
            "sendable": selectors.is_sendable(credential),
            "sends": selectors.finished_sends(credential=credential, email=profile.email),
        },
        status=status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@never_cache
@require_GET
@learner_required
def callback(request: HttpRequest, profile: LearnerProfile) -> HttpResponse:
    """Where the host sends the learner back, with `code` and `state` (or `error`). The send takes the state once
    (services.backpack_send_finish); its key stays in the session, so a reload reads "already used". The outcome
    is shown on the credential's page."""
    state = request.GET.get("state", "")
    pending = request.session.get(PENDING_SESSION_KEY, [])
    try:
        finished = services.backpack_send_finish(
            email=profile.email,
            state=state,
            pending=pending,
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            error_description=request.GET.get("error_description", ""),
        )
    except services.CallbackRefused as refused:
        return render(request, "backpack/callback_refused.html", {"message": str(refused)}, status=400)
    except services.NotYourCredential:
        raise Http404("No such credential in your credentials.") from None
    if finished.succeeded:
        messages.success(request, _outcome_sentence(finished))
    else:
        messages.error(request, _outcome_sentence(finished))
    return redirect("backpack:send", uuid=finished.credential.uuid)


def _outcome_sentence(finished: BackpackSend) -> str:
    """The outcome in plain words, in the reader's language; the host's own words (or the technical reason) after."""
    name, _ = signed_names(finished.credential)
    sentences = {
        BackpackSend.Outcome.STORED: gettext("%(name)s is now in your backpack at %(host)s."),
        BackpackSend.Outcome.REPLACED: gettext(
            "%(name)s was already in your backpack at %(host)s: the copy there has been replaced."
        ),
        BackpackSend.Outcome.REFUSED: gettext("%(host)s refused %(name)s. It said: %(detail)s"),
        BackpackSend.Outcome.DENIED: gettext(
            "%(name)s was not sent: the permission was not given at %(host)s (%(detail)s)."
        ),
        BackpackSend.Outcome.TOKEN_REFUSED: gettext(
            "%(name)s was not sent: %(host)s did not give access after you allowed it. %(detail)s"
        ),
        BackpackSend.Outcome.WITHDRAWN: gettext(
            "%(name)s was not sent: it was revoked or suspended while you were at %(host)s."
        ),
        BackpackSend.Outcome.FAILED: gettext("%(name)s was not sent to %(host)s. %(detail)s"),
    }
    sentence = sentences.get(BackpackSend.Outcome(finished.outcome), sentences[BackpackSend.Outcome.FAILED])
    return sentence % {"name": name, "host": finished.host, "detail": finished.detail}
