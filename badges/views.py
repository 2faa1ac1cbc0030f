"""Public documents: credentials as issued and the issuers' status lists."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from badges.models import Credential, StatusList, StatusPurpose
from badges.status_lists import status_list_document


@require_safe
def credential_document(request: HttpRequest, uuid: str) -> HttpResponse:
    """The credential exactly as signed; `Accept: application/jwt` gets the VC-JWT when one exists."""
    credential = get_object_or_404(Credential.objects.only("document", "jws", "uuid"), uuid=uuid)
    accept = request.headers.get("Accept", "")
    if "application/jwt" in accept and credential.jws:
        response = HttpResponse(credential.jws, content_type="application/jwt")
        filename = f"credential-{credential.uuid}.jwt"
    else:
        response = HttpResponse(credential.document.encode("utf-8"), content_type="application/vc+ld+json")
        filename = f"credential-{credential.uuid}.json"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept"])
    return response


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
