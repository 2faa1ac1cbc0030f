"""Public, unauthenticated documents of an issuer."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from issuer.models import Issuer
from issuer.selectors import did_document


@require_safe
def did_json(request: HttpRequest, slug: str) -> JsonResponse:
    """The issuer's DID document (did:web resolves `did:web:<host>:issuers:<slug>` to this URL)."""
    issuer = get_object_or_404(Issuer, slug=slug)
    response = JsonResponse(did_document(issuer), content_type="application/did+json")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
