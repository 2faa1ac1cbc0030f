"""did:web identifiers of the platform's issuers, derived from SITE_URL (did:web method §3.2)."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from django.conf import settings


def _site_prefix() -> str:
    site = urlsplit(settings.SITE_URL)
    host = site.hostname or ""
    if site.port:
        host = f"{host}%3A{site.port}"
    path = [quote(part, safe="") for part in site.path.split("/") if part]
    return ":".join(["did:web", host, *path])


def did_for_slug(slug: str) -> str:
    return f"{_site_prefix()}:issuers:{slug}"


def slug_from_did(did: str) -> str | None:
    """The issuer slug if `did` names one of this platform's issuers, else None."""
    prefix = f"{_site_prefix()}:issuers:"
    if did.startswith(prefix):
        slug = did[len(prefix) :]
        if slug and ":" not in slug and "#" not in slug:
            return slug
    return None
