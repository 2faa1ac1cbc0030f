"""The Content-Security-Policy of every page (django-csp's middleware; docs/decisions.md D35).

`policy()` builds the directives settings.py hands to django-csp, as the enforced policy or, with
`CSP_REPORT_ONLY=1`, the same policy report-only. `allow()` widens one response's policy by origins (the OAuth
consent page sends the browser on to the wallet). Browsers send violations to `config.views.csp_report`.

Imported by settings.py: nothing here may need configured settings at import time.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF

if TYPE_CHECKING:
    from django.http import HttpResponseBase

REPORT_PATH = "/csp-report"


def origin(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s) URL, or None. The result goes into a header, so only a host
    made of letters, digits, dots and hyphens (or an IPv6 literal) is accepted: nothing can add a directive."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname or ""  # lower case, an IPv6 literal without its brackets
    if parts.scheme not in ("https", "http"):
        return None
    if re.fullmatch(r"[0-9a-f:.]*:[0-9a-f:.]*", host):
        host = f"[{host}]"
    elif not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def policy(*, site_url: str, media_url: str) -> dict[str, list[Any]]:
    """The directives. Scripts and styles come from our static files ('self'); a nonce (`{{ request.csp_nonce }}`)
    is the way for an inline block, and appears in the header only on a page that used one. No 'unsafe-inline'
    for either. Images: ours, `data:` (images embedded in credentials, Swagger UI's icons) and the media host.
    """
    media_hosts = [host for host in (origin(site_url), origin(media_url)) if host]
    return {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Published images' URLs are SITE_URL + MEDIA_URL (issuer.images.image_url), which is 'self' when the page
        # is served under SITE_URL; named too for pages reached by another of ALLOWED_HOSTS.
        "img-src": [SELF, "data:", *dict.fromkeys(media_hosts)],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        # Every form posts to us. Chromium checks form-action on the redirects after a post too: the OAuth consent
        # page, and the sign-in page of a pending authorization, add the wallet's origin for themselves (allow()
        # in ob_api.views and ob_api.middleware).
        "form-action": [SELF],
        "report-uri": [REPORT_PATH],
    }


def allow(response: HttpResponseBase, **sources: list[str]) -> HttpResponseBase:
    """Add origins to some directives of this one response (`form_action=[...]`, `img_src=[...]`), in whichever
    of the enforced or report-only policy is configured. Only values `origin()` accepts are added."""
    update: dict[str, list[str]] = {}
    for name, urls in sources.items():
        origins = [value for value in (origin(url) for url in urls) if value]
        if origins:
            update[name.replace("_", "-")] = origins
    if update:
        # django-csp reads these attributes when it writes the header (csp.middleware.CSPMiddleware).
        response._csp_update = update  # type: ignore[attr-defined]
        response._csp_update_ro = update  # type: ignore[attr-defined]
    return response
