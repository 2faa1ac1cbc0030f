"""Public, unauthenticated documents of an issuer."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_safe

from config.http_cache import IMMUTABLE, REVALIDATE, conditional, etag_of, public_cache
from issuer.branding import brand_stylesheet
from issuer.models import Issuer, KeyState, SigningKey
from issuer.selectors import did_document

# Bumped when the document changes shape, so a shared cache (Redis outlives a deploy) never serves the old one.
DID_DOCUMENT_VERSION = 1


@require_safe
def did_json(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The issuer's DID document (did:web resolves `did:web:<host>:issuers:<slug>` to this URL). Built once per change
    of the keys it lists and kept in the public cache; verifiers revalidate it by ETag on every use (D40), so a
    compromised key leaves every copy at once."""
    issuer = Issuer.objects.filter(slug=slug).first()
    if issuer is None:
        raise Http404("No such issuer.")
    # What the document lists: every key except compromised ones (issuer.selectors.did_document). Keys never change
    # once made but for their state, so the ids of the listed keys say which document is current.
    listed = SigningKey.objects.filter(issuer=issuer).exclude(state=KeyState.COMPROMISED).order_by("pk")
    key = f"did-document:{DID_DOCUMENT_VERSION}:{issuer.pk}:{slug}:" + ",".join(
        str(pk) for pk in listed.values_list("pk", flat=True)
    )
    cache = public_cache()
    entry = cache.get(key)
    if entry is None:
        body = json.dumps(did_document(issuer)).encode("utf-8")
        entry = (body, etag_of(body))
        cache.set(key, entry)
    body, etag = entry
    response = HttpResponse(body, content_type="application/did+json")
    response["Access-Control-Allow-Origin"] = "*"
    return conditional(request, response, cache_control=REVALIDATE, etag=etag)


@require_safe
def brand_css(request: HttpRequest, color: str) -> HttpResponseBase:
    """The custom properties that put an issuer's colour on a page. The URL names the colour (six hexadecimal digits,
    checked by the route), so the answer depends on nothing else and browsers may keep it for a day."""
    response = HttpResponse(brand_stylesheet(f"#{color}"), content_type="text/css; charset=utf-8")
    return conditional(request, response, cache_control=IMMUTABLE)
