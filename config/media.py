"""Serves the published images (issuer logos, badge images) from media storage, in every deployment shape.

Their URLs are written into signed credentials, so they must answer for the credential's whole life: under
runserver, under a lone gunicorn with DEBUG off, and, behind compose's reverse proxy, for whatever the proxy
does not find on disk (media kept in S3). The proxy serves the same files with the same headers
(deploy/Caddyfile). Only the image folders are public: baked badges and bulk results in the same storage are
served by views that check who is asking.
"""

from __future__ import annotations

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from issuer.images import CONTENT_TYPES, IMAGE_FOLDERS, PNG_SIGNATURE

# Content-addressed names (`issuers/<sha256>.png`) and the random names given before them; nothing with a
# slash, dot-dot or other folder can match.
PUBLIC_IMAGE_NAME = re.compile(rf"(?:{'|'.join(IMAGE_FOLDERS)})/[A-Za-z0-9][A-Za-z0-9_-]{{0,150}}\.(png|svg)")
# The names never change content, so caches may keep them for good.
IMMUTABLE = "public, max-age=31536000, immutable"
# An SVG opened on its own is a document: it must not run or load anything. It was rebuilt from an allow-list on
# upload (docs/decisions.md D36); this is the second layer, and the only one for SVGs stored before that.
IMAGE_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"


def stored_kind(head: bytes) -> str | None:
    """ "png" or "svg" for the first bytes of a stored image, None for anything else (a file placed by hand)."""
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "svg"
    return None


@require_safe
def public_image(request: HttpRequest, name: str) -> FileResponse:
    """One published image with its real content type; 404 for anything else under /media/."""
    match = PUBLIC_IMAGE_NAME.fullmatch(name)
    if match is None:
        raise Http404("No such image.")
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise Http404("No such image.") from exc
    # The type is the kind we stored, read from the bytes, and must agree with the name's extension; nothing in
    # the request (Accept, query, a file name) has a say.
    kind = stored_kind(handle.read(512))
    handle.seek(0)
    if kind is None or kind != match.group(1):
        handle.close()
        raise Http404("No such image.")
    response = FileResponse(handle, content_type=CONTENT_TYPES[kind], filename=name.rsplit("/", 1)[-1])
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = IMAGE_CSP
    # Wallets and other platforms show these images in their own pages.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
