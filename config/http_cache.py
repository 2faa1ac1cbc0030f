"""Caching of the public pages and documents (docs/decisions.md D40): HTTP validators, Cache-Control, and the cache
that keeps what they are made of.

Two layers, each safe on its own:

- **In the platform** (`public_cache()`, the `public` alias of settings.CACHES): a rendered fragment or a signed
  document is stored under a key made of the database state it was made from (a status list's version, a
  credential's status and its lists' versions, the set of keys a DID document lists). A request reads that state
  (one small query) and looks the key up, so a revocation, a suspension or a compromised key changes the key and the
  old entry is simply never asked for again: nothing has to be invalidated, and an entry that survives a Redis
  outage or a lost delete can never be served for a newer state. The cache may be empty or down at any time
  (config.cache): everything is then made from the database, as before.
- **On the way** (browsers, CDNs, verifiers): every public document carries an ETag and answers a matching
  `If-None-Match` with 304 and no body. What can change with a decision of the issuer (a status list, a DID
  document, the pages that show a status) is `no-cache`: kept, but revalidated on every use, so no cache in front of
  us shows a revoked credential as valid. What never changes once made (a credential's signed bytes, its baked
  badge) may be kept for a day without asking.
"""

from __future__ import annotations

import hashlib

from django.core.cache import BaseCache, caches
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag

PUBLIC_CACHE = "public"

# The bytes never change once issued: a day without revalidation (status is never part of them, D5).
IMMUTABLE = "public, max-age=86400"
# Changes with an issuer's decision (revocation, suspension, key compromise): stored, revalidated on every use.
REVALIDATE = "public, no-cache"
# A page rendered for a request that carries cookies (a session, a message): only the browser may keep it.
PRIVATE_REVALIDATE = "private, no-cache"


def public_cache() -> BaseCache:
    return caches[PUBLIC_CACHE]


def etag_of(body: bytes | str) -> str:
    """A strong validator of exactly these bytes."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return quote_etag(hashlib.sha256(data).hexdigest()[:32])


def page_cache_control(request: HttpRequest, response: HttpResponse) -> str:
    """A page shared caches may keep only when the request carried no cookie and the response sets none: then
    nothing about the reader (a session, a signed-in user, a pending message, a CSRF token) can be in it, and
    everyone without cookies gets the same bytes."""
    return PRIVATE_REVALIDATE if request.COOKIES or response.cookies else REVALIDATE


def conditional(
    request: HttpRequest, response: HttpResponse, *, cache_control: str, etag: str | None = None
) -> HttpResponseBase:
    """Give a 200 response its ETag (of its bytes unless given) and Cache-Control, and answer 304 with no body when
    the request's If-None-Match names it (Django's own RFC 9110 evaluation, which keeps the validators, Vary and
    Cache-Control on the 304)."""
    response["ETag"] = etag or etag_of(response.content)
    response["Cache-Control"] = cache_control
    return get_conditional_response(request, etag=response["ETag"], response=response) or response
