"""The learner's pages: ask for a sign-in link, use it, the collection, and the public profile.

A learner session is one verified address in the Django session (`LEARNER_SESSION_KEY`), separate
from staff authentication: signing in or out as a learner never touches a staff login.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from badges.models import Credential
from config.client_address import client_address
from learners import selectors, services
from learners.forms import LanguageForm, OnOffForm, SignInRequestForm
from learners.models import LearnerProfile
from stacking import selectors as stacking_selectors

LEARNER_SESSION_KEY = "learner_email"
SENT_MESSAGE = _(
    "If credentials were awarded to this address on this platform, a sign-in link is on its way. "
    "It works once, for 30 minutes."
)

LearnerView = Callable[..., HttpResponse]


def learner_required(view: LearnerView) -> LearnerView:
    """Runs `view(request, profile, ...)` for a signed-in learner; anyone else goes to the sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        email = request.session.get(LEARNER_SESSION_KEY)
        if not email:
            return redirect("learners:start")
        profile = services.learner_profile_get_or_create(email=email)
        return view(request, profile, *args, **kwargs)

    return wrapper


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    form = SignInRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Whether a link is sent is decided after this answer, which is the same for every address.
            services.learner_sign_in_request(email=form.cleaned_data["email"], client_address=client_address(request))
        except services.SignInRateLimited as exc:
            form.add_error(None, str(exc))
            response = render(request, "learners/start.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        except ValidationError:
            form.add_error("email", gettext("Enter a valid e-mail address."))
        else:
            return render(request, "learners/sent.html", {"message": SENT_MESSAGE})
    signed_in = bool(request.session.get(LEARNER_SESSION_KEY))
    return render(request, "learners/start.html", {"form": form, "signed_in": signed_in})


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button, POST uses the link: mail scanners that open links must not spend them."""
    try:
        if request.method == "POST":
            profile = services.sign_in_token_use(token=token, language=get_language())
        else:
            services.sign_in_token_check(token=token)
            return render(request, "learners/sign_in.html")
    except services.SignInLinkUnusable as exc:
        status = 404 if exc.reason == "unknown" else 410
        return render(request, "learners/sign_in_unusable.html", {"message": str(exc)}, status=status)
    request.session.cycle_key()
    request.session[LEARNER_SESSION_KEY] = profile.email
    return redirect("learners:collection")


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(LEARNER_SESSION_KEY, None)
    messages.success(request, gettext("You are signed out of your credentials."))
    return redirect("learners:start")


@never_cache
@require_GET
@learner_required
def collection(request: HttpRequest, profile: LearnerProfile) -> HttpResponse:
    rows = selectors.collection_rows(email=profile.email, profile=profile)
    return render(
        request,
        "learners/collection.html",
        {
            "profile": profile,
            "language_form": LanguageForm(initial={"language": profile.language or get_language()}),
            "rows": rows,
            "email": profile.email,
            "profile_url": f"{settings.SITE_URL}{reverse('learners:profile', args=[profile.slug])}",
            "shown_count": sum(1 for row in rows if row.shown and row.state != "revoked"),
            "qualifications": stacking_selectors.learner_overview(profile.email),
        },
    )


@never_cache
@require_GET
@learner_required
def qualification(request: HttpRequest, profile: LearnerProfile, uuid: str) -> HttpResponse:
    """Where the learner stands with one qualification. Only for a learner holding one of its components:
    anyone else gets "not found", whether or not it exists."""
    found = stacking_selectors.qualification_for_learner(uuid, profile.email)
    if found is None:
        raise Http404("No such qualification in your credentials.")
    return render(
        request,
        "learners/qualification.html",
        {"email": profile.email, "standing": stacking_selectors.learner_progress(found, profile.email)},
    )


@require_POST
@learner_required
def credential_visibility(request: HttpRequest, profile: LearnerProfile, uuid: str) -> HttpResponse:
    # Someone else's credential is "not found", like one that does not exist.
    credential = get_object_or_404(
        Credential.objects.select_related("achievement", "issuer"), uuid=uuid, recipient_email=profile.email
    )
    form = OnOffForm(request.POST)
    if not form.is_valid():
        return HttpResponse(gettext("Choose on or off."), status=400, content_type="text/plain; charset=utf-8")
    services.credential_visibility_set(profile=profile, credential=credential, shown=form.is_on)
    achievement_name, _ = selectors.signed_names(credential)
    if form.is_on:
        message = gettext("%(achievement)s is shown on your public profile.")
    else:
        message = gettext("%(achievement)s is hidden from your public profile.")
    messages.success(request, message % {"achievement": achievement_name})
    return redirect("learners:collection")


@require_POST
@learner_required
def profile_publish(request: HttpRequest, profile: LearnerProfile) -> HttpResponse:
    form = OnOffForm(request.POST)
    if not form.is_valid():
        return HttpResponse(gettext("Choose on or off."), status=400, content_type="text/plain; charset=utf-8")
    services.learner_profile_publish_set(profile=profile, public=form.is_on)
    messages.success(
        request, gettext("Your public profile is on.") if form.is_on else gettext("Your public profile is off.")
    )
    return redirect("learners:collection")


@require_POST
@learner_required
def language(request: HttpRequest, profile: LearnerProfile) -> HttpResponse:
    """The language of the e-mails the learner gets (D52); the pages follow the browser or the switcher."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            gettext("Choose one of the languages offered."), status=400, content_type="text/plain; charset=utf-8"
        )
    chosen = services.learner_language_set(profile=profile, language=form.cleaned_data["language"])
    messages.success(request, gettext("We will write to you in %(language)s.") % {"language": _language_name(chosen)})
    return redirect("learners:collection")


def _language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))


@never_cache
@require_GET
@learner_required
def download(request: HttpRequest, profile: LearnerProfile) -> HttpResponse:
    """Every credential as a ZIP: `<uuid>.json` holds the stored document byte for byte, `<uuid>.jwt` the VC-JWT."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for credential in selectors.credentials_for_email(email=profile.email):
            stamp = credential.created_at.timetuple()[:6]
            entries = [(f"{credential.uuid}.json", credential.document)]
            if credential.jws:
                entries.append((f"{credential.uuid}.jwt", credential.jws))
            for name, text in entries:
                archive.writestr(zipfile.ZipInfo(name, stamp), text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="credentials.zip"'
    return response


@require_GET
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    learner = LearnerProfile.objects.filter(slug=slug, is_public=True).first()
    if learner is None:
        raise Http404("No public profile here.")
    return render(
        request,
        "learners/profile.html",
        {
            "name": selectors.learner_display_name(email=learner.email),
            "rows": selectors.public_profile_rows(profile=learner),
        },
    )
