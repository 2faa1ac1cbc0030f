"""Public pages of issuers and achievements: what an issuer awards, for anyone following a badge's links.

Both change whenever the issuer edits its profile or an achievement, so they are revalidated on every use: the ETag
of the page's bytes answers a repeat visit with 304 (config.http_cache, D40)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from badges.endorsements import shown_endorsements
from badges.markdown import render_markdown
from badges.models import Achievement
from config.http_cache import conditional, page_cache_control
from issuer.models import Issuer


@require_safe
def issuer_public(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The issuer's profile and the achievements it currently awards (archived ones are not listed)."""
    issuer = get_object_or_404(Issuer, slug=slug)
    achievements = Achievement.objects.filter(issuer=issuer, archived=False).order_by("name")
    context = {"profile": issuer, "achievements": achievements, "endorsements": _listed(issuer, None)}
    response = render(request, "public/issuer.html", context)
    return conditional(request, response, cache_control=page_cache_control(request, response))


@require_safe
def achievement_public(request: HttpRequest, uuid: str) -> HttpResponseBase:
    """The achievement as it stands now; its id (`public_id`) is embedded in every credential awarded for it,
    so an archived achievement still has its page, marked as no longer awarded."""
    achievement = get_object_or_404(Achievement.objects.select_related("issuer"), uuid=uuid)
    context = {
        "achievement": achievement,
        "issuer": achievement.issuer,
        "criteria": render_markdown(achievement.criteria_narrative),
        "alignments": list(achievement.alignments.all()),
        "endorsements": _listed(achievement.issuer, achievement),
    }
    response = render(request, "public/achievement.html", context)
    return conditional(request, response, cache_control=page_cache_control(request, response))


def _listed(issuer: Issuer, achievement: Achievement | None) -> list[dict[str, str]]:
    """The endorsements the issuer accepted, as the pages list them (D63)."""
    return [
        {"endorser": e.endorser_name or e.endorser_identifier, "comment": e.comment}
        for e in shown_endorsements(issuer=issuer, achievement=achievement)
    ]
