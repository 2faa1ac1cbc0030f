"""The public verifier: anyone (an employer, an admissions office) checks a credential, ours or another
platform's, by pasting it, uploading it or giving its URL. Nothing submitted is stored."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_safe

from badges.api_verify import VerifyRateThrottle
from badges.models import Credential
from badges.verify import fetch_credential, verify_credential
from issuer.dids import slug_from_did
from issuer.models import Issuer
from verification.errors import VerificationError
from verification.report import FAILED, WARNING, Report

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
# The form's own fields (URL, e-mail, CSRF token) around an upload; a larger request is refused unread.
MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 64 * 1024
TOO_LARGE = f"The credential is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; a credential never is."
STATUS_LABELS = {"passed": "Passed", "failed": "Failed", "warning": "Warning", "skipped": "Skipped"}
CHECK_TITLES = {
    "format": "Format",
    "context": "Context and type",
    "schema": "Schema",
    "schema_external": "Other schemas",
    "proof": "Signature",
    "issuer_key": "Issuer's key",
    "valid_from": "Valid from",
    "valid_until": "Expiry",
    "status": "Revocation and suspension",
    "refresh": "Refresh service",
    "endorsements": "Endorsements",
    "recipient": "Recipient",
}


class VerifyForm(forms.Form):
    credential = forms.CharField(
        label="Paste the credential",
        required=False,
        max_length=MAX_UPLOAD_BYTES,
        strip=False,
        error_messages={"max_length": TOO_LARGE},
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "autocomplete": "off"}),
        help_text="The JSON of an Open Badges 3.0 credential, or a VC-JWT (a compact JWS).",
    )
    file = forms.FileField(
        label="Or upload a file",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.jwt,.jws,.txt,.png,.svg"}),
        help_text="JSON, VC-JWT, or a baked badge image (PNG or SVG); at most 2 MB.",
    )
    url = forms.CharField(
        label="Or give its URL",
        required=False,
        max_length=2048,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text="A link to the credential (JSON, VC-JWT or badge image).",
    )
    recipient = forms.EmailField(
        label="Recipient's e-mail address (optional)",
        required=False,
        help_text="Check that the credential was issued to this address.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        # The size Django recorded while receiving it, checked before the content is read.
        if upload and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        given = [name for name in ("credential", "file", "url") if cleaned.get(name) and str(cleaned[name]).strip()]
        if self.errors:
            return cleaned
        if not given:
            raise forms.ValidationError(
                "Give a credential to verify: paste it, upload a file or enter its URL.", code="empty"
            )
        if len(given) > 1:
            raise forms.ValidationError(
                "Give one credential at a time: paste it, upload a file or enter a URL, not several.", code="several"
            )
        return cleaned


@require_http_methods(["GET", "HEAD", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: verify what was given and show the report, or the form with a precise error (400)."""
    if request.method != "POST":
        return _form_page(request, VerifyForm())
    throttle = VerifyRateThrottle()
    if not throttle.allow_request(request, None):  # type: ignore[arg-type]
        # Each verification may fetch a URL and costs real work: one budget per client address, page and API alike.
        wait = int(throttle.wait() or 60)
        response = _form_page(
            request, VerifyForm(), status=429, error=f"Too many verifications from your address; try again in {wait} s."
        )
        response["Retry-After"] = str(wait)
        return response
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_REQUEST_BYTES:
        # Refused before the body is parsed; the fields cannot be shown again without reading it.
        return _form_page(request, VerifyForm(), status=400, error=TOO_LARGE)
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    source = form.cleaned_data
    filename = content_type = None
    try:
        if source["file"]:
            upload = source["file"]
            data: bytes | str = upload.read(MAX_UPLOAD_BYTES + 1)
            filename, content_type = upload.name, upload.content_type
        elif source["url"]:
            data, filename = fetch_credential(source["url"].strip())
        else:
            data = source["credential"]
        report = verify_credential(
            data, recipient=source["recipient"] or None, filename=filename, content_type=content_type
        )
    except VerificationError as exc:
        # InputError (unusable input) and FetchError (the URL was refused or failed): the user's words stay.
        field = "url" if source["url"] else "file" if source["file"] else "credential"
        form.add_error(field, exc.message)
        return _form_page(request, form, status=400)
    return _result_page(request, report, recipient=source["recipient"] or "")


@require_safe
def verify_our_credential(request: HttpRequest, uuid: str) -> HttpResponse:
    """One of our credentials by id, verified from the database exactly as an outsider would see it."""
    credential = get_object_or_404(Credential.objects.select_related("issuer"), uuid=uuid)
    # A credential issued only as VC-JWT keeps its unsigned JSON in `document`; the token is what was signed.
    data = credential.document if "Data Integrity" in credential.formats or not credential.jws else credential.jws
    report = verify_credential(data)
    return _result_page(request, report, credential=credential)


def _form_page(request: HttpRequest, form: VerifyForm, *, status: int = 200, error: str = "") -> HttpResponse:
    return render(request, "verification/verify.html", {"form": form, "error": error}, status=status)


def _result_page(
    request: HttpRequest, report: Report, *, recipient: str = "", credential: Credential | None = None
) -> HttpResponse:
    summary = report.to_dict()["credential"] or {}
    issuer_id = (summary.get("issuer") or {}).get("id") or ""
    slug = slug_from_did(issuer_id) if issuer_id else None
    known_issuer = Issuer.objects.filter(slug=slug).first() if slug else None
    context = {
        "report": report,
        "verdict": "Valid" if report.valid else "Not valid",
        "reason": verdict_reason(report),
        "checks": check_rows(report),
        "summary": summary,
        "known_issuer": known_issuer,
        "recipient": recipient,
        "credential": credential,
    }
    return render(request, "verification/result.html", context)


def check_rows(report: Report) -> list[dict[str, str]]:
    """Each check with a title and a status word a person reads (color is never the only signal)."""
    return [
        {
            "id": check.id,
            "title": CHECK_TITLES.get(check.id, check.id),
            "status": check.status,
            "label": STATUS_LABELS.get(check.status, check.status),
            "message": check.message,
        }
        for check in report.checks
    ]


def verdict_reason(report: Report) -> str:
    """One sentence: the first failed check, or how many warnings a valid credential carries."""
    failed = [check for check in report.checks if check.status == FAILED]
    if failed:
        # A check's message may hold several findings (URLs contain no ". "): the one naming the failure's code
        # ("suspended" beside "not revoked"), else the first.
        sentences = _SENTENCE_END.split(failed[0].message.strip())
        code = (failed[0].code or "").replace("_", " ")
        return next((sentence for sentence in sentences if code and code in sentence), sentences[0])
    warnings = sum(1 for check in report.checks if check.status == WARNING)
    if warnings:
        noun = "warning" if warnings == 1 else "warnings"
        return f"No check failed; {warnings} {noun} below say what could not be fully confirmed."
    return "Every check passed."
