"""Ways for a learner to share a credential's public page: LinkedIn, e-mail, a QR code."""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import quote, urlencode

logger = logging.getLogger(__name__)

LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"


def linkedin_add_url(
    *,
    name: str,
    organization: str,
    issued: datetime,
    expires: datetime | None,
    url: str,
    certificate_id: str,
) -> str:
    """LinkedIn's "Add licence or certification" form, filled in (its documented query parameters)."""
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", name),
        ("organizationName", organization),
        ("issueYear", str(issued.year)),
        ("issueMonth", str(issued.month)),
    ]
    if expires is not None:
        params += [("expirationYear", str(expires.year)), ("expirationMonth", str(expires.month))]
    params += [("certUrl", url), ("certId", certificate_id)]
    return f"{LINKEDIN_ADD_URL}?{urlencode(params, quote_via=quote)}"


def mailto_url(*, subject: str, body: str) -> str:
    """A mailto: link with no recipient, so the learner chooses whom to tell (RFC 6068 encoding)."""
    return "mailto:?" + urlencode([("subject", subject), ("body", body)], quote_via=quote)


def qr_svg(url: str, *, title: str = "") -> str:
    """An inline SVG QR code of `url` (no XML declaration, fit for an HTML page); empty when segno is missing."""
    try:
        import segno
    except ImportError:  # pragma: no cover - segno is a declared dependency; the page still renders without it
        logger.warning("segno is not installed: the credential page shows no QR code.")
        return ""
    return segno.make(url, error="m").svg_inline(scale=4, title=title or None, border=2)
