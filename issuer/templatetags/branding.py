"""`{% brand_stylesheet color %}`: the link to an issuer's colour stylesheet on its public pages (issuer.branding)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from issuer.branding import HEX_COLOR

register = template.Library()


@register.simple_tag
def brand_stylesheet(color: str | None) -> SafeString | str:
    """A <link> to /brand/<rrggbb>.css, or nothing when there is no colour. A value that is not a valid colour (one
    written past the model's validation) is left out rather than answered with an error page."""
    if not color or not HEX_COLOR.fullmatch(color):
        return ""
    return format_html('<link rel="stylesheet" href="{}">', reverse("issuer:brand-css", kwargs={"color": color[1:]}))
