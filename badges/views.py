"""Public documents: credentials as issued (and their page for people) and the issuers' status lists."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from badges.baking import BakingError, credential_bake
from badges.markdown import render_markdown
from badges.models import Credential, StatusList, StatusPurpose
from badges.sharing import linkedin_add_url, mailto_url, qr_svg
from badges.status_lists import status_list_document
from badges.verify import verify_credential
from badges.views_verify import VERDICT_LABELS, check_rows, verdict_reason

logger = logging.getLogger(__name__)

# What /credentials/<uuid> can answer, in the order that breaks ties (`*/*` and no Accept get the JSON).
JSON_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json")
JWT_TYPE = "application/jwt"
HTML_TYPE = "text/html"
FORMAT_PARAM = {"json": JSON_TYPES[0], "jwt": JWT_TYPE}
# The baked badges, stored once after issuance or on first download (badges.baking): downloads only, never negotiated.
BAKED_FORMATS = {"png": ("baked_png", "image/png"), "svg": ("baked_svg", "image/svg+xml")}


@require_safe
def credential_document(request: HttpRequest, uuid: str) -> HttpResponse:
    """One URL, three representations: the credential exactly as signed (JSON), its VC-JWT when one
    exists, or a page for people. `?format=json|jwt` picks one explicitly, as a download."""
    credential = get_object_or_404(Credential.objects.select_related("issuer", "achievement"), uuid=uuid)
    requested = request.GET.get("format", "")
    if requested in BAKED_FORMATS:
        return baked_download(credential, requested)
    if requested:
        if requested not in FORMAT_PARAM:
            return HttpResponse(
                "Unknown format: use ?format=json, jwt, png or svg.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        chosen = FORMAT_PARAM[requested]
    else:
        # A browser prefers text/html over JSON; an unknown or unmatched Accept gets the JSON document.
        chosen = request.get_preferred_type([*JSON_TYPES, JWT_TYPE, HTML_TYPE]) or JSON_TYPES[0]
    if chosen == HTML_TYPE:
        response = credential_public_page(request, credential)
    elif chosen == JWT_TYPE:
        if not credential.jws:
            response = HttpResponse(
                "This credential was issued without a VC-JWT; ask for application/vc+ld+json (or ?format=json).",
                status=406,
                content_type="text/plain; charset=utf-8",
            )
        else:
            response = HttpResponse(credential.jws, content_type=JWT_TYPE)
            _disposition(response, f"credential-{credential.uuid}.jwt", download=bool(requested))
    else:
        response = HttpResponse(credential.document.encode("utf-8"), content_type="application/vc+ld+json")
        _disposition(response, f"credential-{credential.uuid}.json", download=bool(requested))
    if chosen != HTML_TYPE:
        response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept"])
    return response


def baked_download(credential: Credential, fmt: str) -> HttpResponse:
    """The baked PNG or SVG, made and stored on the first request when no task has made it yet (bulk awards
    are baked on demand, D16); 404 with a sentence when it cannot be made."""
    field_name, content_type = BAKED_FORMATS[fmt]
    if not (credential.baked_png and credential.baked_svg):
        try:
            credential = credential_bake(credential=credential)
        except (BakingError, OSError):
            logger.exception("Baking credential %s on demand failed", credential.pk)
    stored = getattr(credential, field_name)
    content = b""
    if stored:
        try:
            with stored.open("rb") as handle:
                content = handle.read()
        except OSError:
            content = b""
    if not content:
        return HttpResponse(
            f"The baked {fmt.upper()} badge of this credential cannot be made right now; try again later, "
            "or download the credential as JSON (?format=json).",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content, content_type=content_type)
    _disposition(response, f"credential-{credential.uuid}.{fmt}", download=True)
    # An SVG is a document: opened directly it must not run anything (it was checked on upload, too).
    response["Content-Security-Policy"] = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _disposition(response: HttpResponse, filename: str, *, download: bool) -> None:
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'


_IMAGE_SCHEMES = ("https://", "http://", "data:image/")
PUBLIC_STATES = {
    "active": ("Valid", "This credential is valid."),
    "pending": ("Not yet valid", "This credential becomes valid on the date below."),
    "expired": ("Expired", "This credential has expired."),
    "suspended": ("Suspended", "The issuer has suspended this credential for now."),
    "revoked": ("Revoked", "The issuer has revoked this credential: it is no longer valid."),
}


def _live_verification(credential: Credential, document: dict[str, Any]) -> dict[str, Any]:
    """The verifier's report on the credential as issued, run now (milliseconds; no network for our issuers)."""
    report = verify_credential(credential.document if "proof" in document else credential.jws)
    return {
        "valid": report.valid,
        "state": report.verdict,
        "verdict": VERDICT_LABELS[report.verdict],
        "reason": verdict_reason(report),
        "checks": check_rows(report),
    }


def credential_public_page(request: HttpRequest, credential: Credential) -> HttpResponse:
    """The page for people. What was awarded comes from the signed document (the achievement may have
    been edited since); the status comes from the database, so it changes as soon as the issuer acts."""
    document = json.loads(credential.document)
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    issuer = document.get("issuer") or {}
    image = achievement.get("image")
    image_url = image.get("id") if isinstance(image, dict) else image
    image_url = image_url if isinstance(image_url, str) and image_url.startswith(_IMAGE_SCHEMES) else ""
    state = credential.state()
    label, explanation = PUBLIC_STATES[state]
    name = achievement.get("name") or credential.achievement.name
    description = achievement.get("description", "")
    issuer_name = (issuer.get("name") if isinstance(issuer, dict) else "") or credential.issuer.name
    page_url = credential.public_id
    # Shown and shared: the achievement's own image, else the baked default badge.
    display_image = image_url or f"{page_url}?format=png"
    share_text = f"{name}, awarded by {issuer_name}"
    context = {
        "credential": credential,
        "name": name,
        "description": description,
        # The narrative is Markdown (OB 3.0); rendered and sanitized like on the issuer's pages.
        "criteria": render_markdown((achievement.get("criteria") or {}).get("narrative", "")),
        "criteria_url": (achievement.get("criteria") or {}).get("id", ""),
        "image_url": display_image,
        "image_caption": image.get("caption", "") if isinstance(image, dict) else "",
        "og_image": display_image if display_image.startswith(("https://", "http://")) else "",
        "issuer_name": issuer_name,
        "issuer_url": issuer.get("url", "") if isinstance(issuer, dict) else "",
        "alignments": _alignments(achievement.get("alignment")),
        "evidence": _evidence(document.get("evidence")),
        "state": state,
        "state_label": label,
        "state_explanation": explanation,
        "page_url": page_url,
        "linkedin_url": linkedin_add_url(
            name=name,
            organization=issuer_name,
            issued=credential.valid_from,
            expires=credential.valid_until,
            url=page_url,
            certificate_id=str(credential.uuid),
        ),
        "mailto_url": mailto_url(subject=share_text, body=f"{share_text}:\n{page_url}"),
        "qr_svg": mark_safe(qr_svg(page_url, title=f"QR code of {page_url}")),  # noqa: S308 - generated by segno
        "verification": _live_verification(credential, document),
    }
    return render(request, "badges/credential_public.html", context)


def _alignments(value: Any) -> list[dict[str, str]]:
    """The signed alignments, links kept only when they are web URLs."""
    out = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("targetName"), str):
            continue
        url = item.get("targetUrl")
        out.append(
            {
                "name": item["targetName"],
                "url": url if isinstance(url, str) and url.startswith(("https://", "http://")) else "",
                "framework": str(item.get("targetFramework") or ""),
                "code": str(item.get("targetCode") or ""),
                "description": str(item.get("targetDescription") or ""),
            }
        )
    return out


def _evidence(value: Any) -> list[dict[str, Any]]:
    """The signed evidence: a link when its id is a web URL, the narrative rendered from Markdown."""
    out = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        url = item.get("id")
        entry = {
            "url": url if isinstance(url, str) and url.startswith(("https://", "http://")) else "",
            "name": str(item.get("name") or ""),
            "description": str(item.get("description") or ""),
            "narrative": render_markdown(item["narrative"]) if isinstance(item.get("narrative"), str) else "",
        }
        if any(entry.values()):
            out.append(entry)
    return out


@require_safe
def status_list(request: HttpRequest, slug: str, purpose: str, sequence: int) -> HttpResponse:
    """The signed BitstringStatusListCredential, cacheable (ETag + short max-age) by CDNs and verifiers."""
    if purpose not in StatusPurpose.values:
        raise Http404("Unknown status purpose.")
    lst = get_object_or_404(
        StatusList.objects.select_related("issuer"), issuer__slug=slug, purpose=purpose, sequence=sequence
    )
    body = status_list_document(lst).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/vc+ld+json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=60"
    response["Access-Control-Allow-Origin"] = "*"
    return response
