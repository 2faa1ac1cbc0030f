"""Public, unauthenticated documents of an issuer."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from issuer.models import Issuer
from issuer.selectors import did_document


@require_safe
def did_json(request: HttpRequest, slug: str) -> HttpResponse:
    """The issuer's DID document (did:web resolves `did:web:<host>:issuers:<slug>` to this URL). Verifiers poll
    it: the ETag of its bytes lets them revalidate with a 304 instead of downloading it again."""
    issuer = get_object_or_404(Issuer, slug=slug)
    response = JsonResponse(did_document(issuer), content_type="application/did+json")
    response["ETag"] = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    # A matching If-None-Match turns the response into a 304; otherwise the response itself comes back.
    return get_conditional_response(request, etag=response["ETag"], response=response) or response
