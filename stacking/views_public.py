"""The public CLR 2.0 download of a stacked credential (stacking.clr)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from badges.models import Credential
from issuer.selectors import NoActiveKey
from stacking.clr import ClrUnavailable, clr_sign


def _sentence(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@require_safe
def credential_clr(request: HttpRequest, uuid: str) -> HttpResponse:
    """The ClrCredential of an active stacked credential, signed now (nothing stored); 404 with a sentence for
    any other credential. Public like the credential itself: it only bundles documents already published."""
    credential = get_object_or_404(Credential.objects.select_related("issuer", "achievement"), uuid=uuid)
    try:
        document = clr_sign(credential)
    except ClrUnavailable as exc:
        return _sentence(str(exc), 404)
    except NoActiveKey:
        return _sentence(gettext("The issuer cannot sign a learner record right now; try again later."), 503)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = HttpResponse(body, content_type="application/vc+ld+json")
    response["Content-Disposition"] = f'attachment; filename="clr-{credential.uuid}.json"'
    response["Access-Control-Allow-Origin"] = "*"
    # Signed at request time (validFrom is now, and the status of the parts can change): never cached.
    response["Cache-Control"] = "no-store"
    return response
