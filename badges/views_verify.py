"""The public verifier: anyone (an employer, an admissions office) checks a credential, ours or another
platform's, by pasting it, uploading it or giving its URL. Nothing submitted is stored."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from badges.api_verify import VerifyRateThrottle
from badges.check_explanations import CHECK_TITLES, STATUS_LABELS, explanation, reads_verifier_language
from badges.models import Credential
from badges.verify import fetch_credential, note_verification, verify_credential
from badges.verify_headline import facts, headline, http_url, reason
from config import ratelimit
from issuer.dids import slug_from_did
from issuer.models import Issuer
from verification.errors import InputTooLarge, PlatformUnavailable, VerificationError
from verification.inputs import baked_image_kind, describe_size
from verification.report import Report

# The form's own fields (URL, e-mail, CSRF token) around an upload; a larger request is refused unread.
FORM_OVERHEAD = 64 * 1024
VERDICT_LABELS = {
    "valid": pgettext_lazy("verdict", "Valid"),
    "invalid": pgettext_lazy("verdict", "Not valid"),
    "indeterminate": pgettext_lazy("verdict", "Could not be fully checked"),
}


def credential_too_large() -> str:
    limit = describe_size(settings.VERIFY_MAX_BODY_BYTES)
    return gettext("The credential is larger than %(limit)s; a credential never is.") % {"limit": limit}


def file_too_large() -> str:
    limit = describe_size(settings.VERIFY_MAX_IMAGE_BYTES)
    return gettext("The file is larger than %(limit)s; neither a credential nor a baked badge image ever is.") % {
        "limit": limit
    }


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label=_("Paste the credential"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "The JSON of an Open Badges 3.0 credential or 2.0 assertion, or a VC-JWT or signed 2.0 badge (a compact "
            "JWS)."
        ),
    )
    file = forms.FileField(
        label=_("Or upload a file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.jwt,.jws,.txt,.png,.svg"}),
        help_text=_("JSON, VC-JWT, or a baked badge image (PNG or SVG)."),
    )
    url = forms.CharField(
        label=_("Or give its URL"),
        required=False,
        max_length=2048,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("A link to the credential or a hosted 2.0 assertion (JSON, VC-JWT or badge image)."),
    )
    recipient = forms.EmailField(
        label=_("Recipient's e-mail address (optional)"),
        required=False,
        help_text=_(
            "Check that the credential was issued to this address; needed to confirm a recipient whose address the "
            "credential holds only in hashed form."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limits are settings; people see them before they send anything.
        body, image = describe_size(settings.VERIFY_MAX_BODY_BYTES), describe_size(settings.VERIFY_MAX_IMAGE_BYTES)
        self.fields["file"].help_text = gettext(
            "JSON or VC-JWT (at most %(body)s), or a baked badge image (PNG or SVG, at most %(image)s)."
        ) % {"body": body, "image": image}

    def clean_credential(self) -> str:
        text = self.cleaned_data.get("credential") or ""
        if len(text.encode("utf-8", "surrogatepass")) > settings.VERIFY_MAX_BODY_BYTES:
            raise forms.ValidationError(credential_too_large(), code="too_large")
        return text

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            return upload
        # The size Django recorded while receiving it, checked before the content is read.
        if upload.size > settings.VERIFY_MAX_IMAGE_BYTES:
            raise forms.ValidationError(file_too_large(), code="too_large")
        # Only a baked image may be larger than a credential (the credential in it is held to the body limit).
        if upload.size > settings.VERIFY_MAX_BODY_BYTES:
            content = upload.read(settings.VERIFY_MAX_IMAGE_BYTES + 1)
            upload.seek(0)
            if baked_image_kind(content) is None:
                raise forms.ValidationError(credential_too_large(), code="too_large")
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = [name for name in ("credential", "file", "url") if cleaned.get(name) and str(cleaned[name]).strip()]
        if self.errors:
            return cleaned
        if not given:
            raise forms.ValidationError(
                gettext("Give a credential to verify: paste it, upload a file or enter its URL."), code="empty"
            )
        if len(given) > 1:
            raise forms.ValidationError(
                gettext("Give one credential at a time: paste it, upload a file or enter a URL, not several."),
                code="several",
            )
        return cleaned


@require_http_methods(["GET", "HEAD", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: verify what was given and show the report, or the form with a precise error (400)."""
    if request.method != "POST":
        return _form_page(request, VerifyForm())
    # Each verification may fetch a URL and costs real work: one budget per client address, page and API alike.
    limit = ratelimit.hit(VerifyRateThrottle.scope, VerifyRateThrottle.address_key(request), VerifyRateThrottle.rate)
    if not limit.allowed:
        wait = limit.retry_after
        response = _form_page(
            request,
            VerifyForm(),
            status=429,
            error=gettext("Too many verifications from your address; try again in %(seconds)d s.") % {"seconds": wait},
        )
        response["Retry-After"] = str(wait)
        return response
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > settings.VERIFY_MAX_IMAGE_BYTES + FORM_OVERHEAD:
        # Refused before the body is parsed; the fields cannot be shown again without reading it.
        return _form_page(request, VerifyForm(), status=413, error=file_too_large())
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        too_large = form.has_error("credential", "too_large") or form.has_error("file", "too_large")
        return _form_page(request, form, status=413 if too_large else 400)
    source = form.cleaned_data
    filename = content_type = None
    try:
        if source["file"]:
            upload = source["file"]
            data: bytes | str = upload.read(settings.VERIFY_MAX_IMAGE_BYTES + 1)
            filename, content_type = upload.name, upload.content_type
        elif source["url"]:
            data, filename = fetch_credential(source["url"].strip())
        else:
            data = source["credential"]
        report = verify_credential(
            data,
            recipient=source["recipient"] or None,
            filename=filename,
            content_type=content_type,
            max_credential_bytes=settings.VERIFY_MAX_BODY_BYTES,
        )
    except VerificationError as exc:
        # InputError (unusable input) and FetchError (the URL was refused or failed): the user's words stay.
        field = "url" if source["url"] else "file" if source["file"] else "credential"
        form.add_error(field, exc.message)
        # Too large is 413 when it was sent (a baked image's credential); a document behind a URL is not.
        status = 413 if isinstance(exc, InputTooLarge) and field != "url" else 400
        return _form_page(request, form, status=status)
    except PlatformUnavailable:
        return _unavailable(request, form)
    note_verification(report)
    return _result_page(request, report, recipient=source["recipient"] or "")


@require_safe
def verify_our_credential(request: HttpRequest, uuid: str) -> HttpResponse:
    """One of our credentials by id, verified from the database exactly as an outsider would see it."""
    credential = get_object_or_404(Credential.objects.select_related("issuer"), uuid=uuid)
    # A credential issued only as VC-JWT keeps its unsigned JSON in `document`; the token is what was signed.
    data = credential.document if "Data Integrity" in credential.formats or not credential.jws else credential.jws
    try:
        report = verify_credential(data)
    except PlatformUnavailable:
        return _unavailable(request, VerifyForm())
    note_verification(report)
    return _result_page(request, report, credential=credential)


RETRY_AFTER_SECONDS = 30


def _unavailable(request: HttpRequest, form: VerifyForm) -> HttpResponse:
    """This platform cannot check anything right now (its database is down): say so, never "not valid"."""
    response = _form_page(
        request,
        form,
        status=503,
        error=gettext(
            "This platform cannot check credentials right now. Nothing was decided about the credential; please try "
            "again in a minute."
        ),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _form_page(request: HttpRequest, form: VerifyForm, *, status: int = 200, error: str = "") -> HttpResponse:
    return render(request, "verification/verify.html", {"form": form, "error": error}, status=status)


def _result_page(
    request: HttpRequest, report: Report, *, recipient: str = "", credential: Credential | None = None
) -> HttpResponse:
    summary = report.to_dict()["credential"] or {}
    issuer_id = (summary.get("issuer") or {}).get("id") or ""
    slug = slug_from_did(issuer_id) if issuer_id else None
    known_issuer = Issuer.objects.filter(slug=slug).first() if slug else None
    found = facts(report, recipient=recipient)
    ob2 = report.format.startswith("ob2")
    badge_image = _our_image(found["badge"]["imageUrl"]) if ob2 else _badge_image(report.credential)
    context = {
        "report": report,
        "headline": headline(report, recipient=recipient),
        "facts": found,
        "badge_image": badge_image,
        # A foreign image is offered as a link only (see _SHOWN_DATA_IMAGE).
        "image_link": "" if badge_image else found["badge"]["imageUrl"],
        "verdict": VERDICT_LABELS[report.verdict],
        "reason": reason(report),
        "checks": check_rows(report),
        "summary": summary,
        "known_issuer": known_issuer,
        "recipient": recipient,
        "credential": credential,
    }
    return render(request, "verification/result.html", context)


# Images shown beside a verified credential: embedded ones, and our own published images. A foreign credential's
# image URL is not loaded: it would tell whoever runs that server who is looking at the credential, and when.
_SHOWN_DATA_IMAGE = re.compile(r"data:image/(png|svg\+xml);base64,[A-Za-z0-9+/=]+")


def _badge_image(credential: dict[str, Any] | None) -> str:
    subject = (credential or {}).get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    image = achievement.get("image") if isinstance(achievement, dict) else None
    url = image.get("id") if isinstance(image, dict) else image
    if not isinstance(url, str):
        return ""
    if _SHOWN_DATA_IMAGE.fullmatch(url) or url.startswith(f"{settings.SITE_URL}{settings.MEDIA_URL}"):
        return url
    return ""


def _our_image(url: str | None) -> str:
    """An OB 2.0 badge image published by this platform, which the page's img-src allows."""
    if url and http_url(url) and url.startswith(f"{settings.SITE_URL}{settings.MEDIA_URL}"):
        return url
    return ""


def check_rows(report: Report) -> list[dict[str, str]]:
    """Each check with a title and a status word a person reads (color is never the only signal), and, for a
    reader of another language than the verifier's, what it found in that language (D53): the verifier's own
    message is shown under it, in English."""
    explain = not reads_verifier_language()
    return [
        {
            "id": check.id,
            # Text, not lazy translations: the public page caches these rows per language (badges.views).
            "title": str(CHECK_TITLES.get(check.id, check.id)),
            "status": check.status,
            "label": str(STATUS_LABELS.get(check.status, check.status)),
            "explanation": explanation(check) if explain else "",
            "message": check.message,
        }
        for check in report.checks
    ]
