"""Public documents: credentials as issued (and their page for people) and the issuers' status lists."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from badges.activity import Activity, note
from badges.baking import BakingError, credential_bake
from badges.markdown import render_markdown
from badges.models import Achievement, Credential, StatusList, StatusPurpose
from badges.selectors import credential_status_since
from badges.sharing import linkedin_add_url, mailto_url, qr_svg
from badges.status_lists import LIST_VALIDITY, status_list_document
from badges.verify import verify_credential
from badges.verify_headline import achieved as achieved_in
from badges.verify_headline import reason
from badges.views_verify import VERDICT_LABELS, check_rows
from config.http_cache import IMMUTABLE, REVALIDATE, conditional, etag_of, page_cache_control, public_cache
from issuer.models import Issuer, SigningKey
from verification.errors import VerificationError
from verification.inputs import unverified_jws_credential

logger = logging.getLogger(__name__)

# What /credentials/<uuid> can answer, in the order that breaks ties (`*/*` and no Accept get the JSON).
JSON_TYPES = ("application/vc+ld+json", "application/ld+json", "application/json")
JWT_TYPE = "application/jwt"
HTML_TYPE = "text/html"
FORMAT_PARAM = {"json": JSON_TYPES[0], "jwt": JWT_TYPE}
# The baked badges, stored once after issuance or on first download (badges.baking): downloads only, never negotiated.
BAKED_FORMATS = {"png": ("baked_png", "image/png"), "svg": ("baked_svg", "image/svg+xml")}


@require_safe
def credential_document(request: HttpRequest, uuid: str) -> HttpResponseBase:
    """One URL, three representations: the credential exactly as signed (JSON), its VC-JWT when one
    exists, or a page for people. `?format=json|jwt` picks one explicitly, as a download."""
    requested = request.GET.get("format", "")
    if requested in BAKED_FORMATS:
        credential = get_object_or_404(Credential.objects.select_related("issuer", "achievement"), uuid=uuid)
        return _conditional_ok(request, baked_download(credential, requested), cache_control=IMMUTABLE)
    if requested:
        if requested not in FORMAT_PARAM:
            return HttpResponse(
                "Unknown format: use ?format=json, jwt, png or svg.",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        chosen = FORMAT_PARAM[requested]
    else:
        # A browser prefers text/html over JSON; an unknown or unmatched Accept gets the JSON document.
        chosen = request.get_preferred_type([*JSON_TYPES, JWT_TYPE, HTML_TYPE]) or JSON_TYPES[0]
    if chosen == HTML_TYPE:
        credential = _credential_for_page(uuid)
        page = credential_public_page(request, credential)
        patch_vary_headers(page, ["Accept"])
        if request.method == "GET":  # a reader's visit; HEAD is a link checker's
            note(Activity.VIEW, issuer_id=credential.issuer_id, achievement_id=credential.achievement_id)
        return conditional(request, page, cache_control=page_cache_control(request, page))
    # The signed bytes alone, nothing else of the row: they never change once issued (status lives in the lists).
    found = Credential.objects.filter(uuid=uuid).values_list("document", "jws").first()
    if found is None:
        raise Http404("No such credential.")
    document, jws = found
    if chosen == JWT_TYPE:
        if not jws:
            response = HttpResponse(
                "This credential was issued without a VC-JWT; ask for application/vc+ld+json (or ?format=json).",
                status=406,
                content_type="text/plain; charset=utf-8",
            )
        else:
            response = HttpResponse(jws, content_type=JWT_TYPE)
            _disposition(response, f"credential-{uuid}.jwt", download=bool(requested))
    else:
        response = HttpResponse(document.encode("utf-8"), content_type="application/vc+ld+json")
        _disposition(response, f"credential-{uuid}.json", download=bool(requested))
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept"])
    return _conditional_ok(request, response, cache_control=IMMUTABLE)


def _conditional_ok(request: HttpRequest, response: HttpResponse, *, cache_control: str) -> HttpResponseBase:
    """Validators and caching for a document that was found; an answer saying it cannot be had is not kept."""
    if response.status_code != 200:
        response["Cache-Control"] = "no-store"
        return response
    return conditional(request, response, cache_control=cache_control)


def baked_download(credential: Credential, fmt: str) -> HttpResponse:
    """The baked PNG or SVG, made and stored on the first request when no task has made it yet (bulk awards
    are baked on demand, D16); 404 with a sentence when it cannot be made."""
    field_name, content_type = BAKED_FORMATS[fmt]
    if not (credential.baked_png and credential.baked_svg):
        try:
            credential = credential_bake(credential=credential)
        except (BakingError, OSError):
            logger.exception("Baking credential %s on demand failed", credential.pk)
    stored = getattr(credential, field_name)
    content = b""
    if stored:
        try:
            with stored.open("rb") as handle:
                content = handle.read()
        except OSError:
            content = b""
    if not content:
        return HttpResponse(
            f"The baked {fmt.upper()} badge of this credential cannot be made right now; try again later, "
            "or download the credential as JSON (?format=json).",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content, content_type=content_type)
    _disposition(response, f"credential-{credential.uuid}.{fmt}", download=True)
    # An SVG is a document: opened directly it must not run anything (it was checked on upload, too).
    response["Content-Security-Policy"] = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _disposition(response: HttpResponse, filename: str, *, download: bool) -> None:
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'


_IMAGE_SCHEMES = ("https://", "http://", "data:image/")
# state -> (label, the banner's first sentence); the summary fragment adds who decided it and when, where known.
PUBLIC_STATES = {
    "active": (pgettext_lazy("credential state", "Valid"), _("This credential is valid.")),
    "pending": (pgettext_lazy("credential state", "Not yet valid"), _("This badge is not valid yet.")),
    "expired": (pgettext_lazy("credential state", "Expired"), _("This badge is no longer valid.")),
    "suspended": (pgettext_lazy("credential state", "Suspended"), _("This badge is not valid while it is suspended.")),
    "revoked": (pgettext_lazy("credential state", "Revoked"), _("This badge is no longer valid.")),
}
# Only a credential that holds now is offered for sharing (LinkedIn, e-mail, link, QR code) or as a badge image;
# in any other state the page still answers, so that an old link tells its reader that it no longer holds (D47).
SHAREABLE_STATE = "active"


def _live_verification(credential: Credential, document: dict[str, Any]) -> dict[str, Any]:
    """The verifier's report on the credential as issued (milliseconds; no network for our issuers): the issuer's
    keys and the status bits as the database has them now."""
    report = verify_credential(credential.document if "proof" in document else credential.jws)
    return {
        "valid": report.valid,
        "state": report.verdict,
        # Text, not a lazy translation: the dict is cached, in the language it was made in (the key names it).
        "verdict": str(VERDICT_LABELS[report.verdict]),
        "reason": reason(report),
        "checks": check_rows(report),
    }


def _page_state_sql() -> str:
    """Table names from the models' own meta; every value is a parameter."""
    tables = {
        "credentials": Credential._meta.db_table,
        "lists": StatusList._meta.db_table,
        "keys": SigningKey._meta.db_table,
        "issuers": Issuer._meta.db_table,
    }
    return PAGE_STATE_SQL.format(**tables)


PAGE_STATE_SQL = """
SELECT c.id, c.uuid, c.issuer_id, c.achievement_id, c.status_sequence, c.status, c.valid_from, c.valid_until,
  c.recipient_name, c.source, c.signing_key_id, c.jwt_signing_key_id,
  (SELECT l.version FROM {lists} l
    WHERE l.issuer_id = c.issuer_id AND l.sequence = c.status_sequence AND l.purpose = %s) AS revocation_version,
  (SELECT l.version FROM {lists} l
    WHERE l.issuer_id = c.issuer_id AND l.sequence = c.status_sequence AND l.purpose = %s) AS suspension_version,
  k.state AS key_state, j.state AS jwt_key_state, i.brand_color AS issuer_brand_color
FROM {credentials} c
  JOIN {issuers} i ON i.id = c.issuer_id
  JOIN {keys} k ON k.id = c.signing_key_id
  LEFT JOIN {keys} j ON j.id = c.jwt_signing_key_id
WHERE c.uuid = %s
"""


def _credential_for_page(uuid: str | UUID) -> Credential:
    """The credential with what its page's verdict depends on, read in one query: the versions of its two status
    lists and the states of the keys that signed it (`_page_key`), the issuer's colour (outside the kept fragments, so
    a new colour shows at once), and only the columns every view of the page reads.

    Written as SQL because it runs on every view of the most visited page: the ORM spent five times longer building
    this query (two subqueries, three joins) than the database spent answering it (docs/performance.md). Building the
    fragments, on a cache miss, reads the whole row again (`_full_credential`)."""
    value = Credential._meta.get_field("uuid").get_db_prep_value(uuid, connection)
    found = list(Credential.objects.raw(_page_state_sql(), [StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION, value]))
    if not found:
        raise Http404("No such credential.")
    credential = found[0]
    # The stacking sections need the achievement's id only; its other fields load if anything reads them.
    credential.achievement = Achievement.from_db(credential._state.db, ["id"], [credential.achievement_id])
    return credential


def _full_credential(credential: Credential) -> Credential:
    """The whole row with its issuer and achievement, carrying the state read for the page's key."""
    full = Credential.objects.select_related("issuer", "achievement").get(pk=credential.pk)
    for name in PAGE_STATE:
        setattr(full, name, getattr(credential, name))
    return full


# What the page's key reads beside the row's own columns (`_page_state_sql`).
PAGE_STATE = ("revocation_version", "suspension_version", "key_state", "jwt_key_state")


# Bumped when the fragments change shape, so a shared cache (Redis outlives a deploy) never mixes two versions.
PAGE_FRAGMENTS_VERSION = 4
PAGE_PARTS = ("head", "summary", "sharing")


def _stamp(value: datetime | None) -> str:
    return "" if value is None else str(value.timestamp())


def _page_key(credential: Credential, state: str) -> str:
    """Everything the cached fragments show that can change, as a cache key: the state the reader is told (from the
    status and the dates, at this request's time), the status bits behind the verdict (both lists' versions), and
    whether the keys that signed it are still listed (a compromised key fails every signature it made). A change in
    any of them is another key, so a page made for an earlier state is never served; the signed document itself
    never changes."""
    parts = (
        credential.uuid,
        state,
        credential.status,
        *(getattr(credential, name) for name in PAGE_STATE),
        _stamp(credential.valid_from),
        _stamp(credential.valid_until),
        # The fragments are text in the reader's language (D51): one entry per language.
        get_language(),
    )
    return f"credential-page:{PAGE_FRAGMENTS_VERSION}:" + ":".join(str(part) for part in parts)


def credential_public_page(request: HttpRequest, credential: Credential) -> HttpResponse:
    """The page for people. What was awarded comes from the signed document (the achievement may have
    been edited since); the status comes from the database, so it changes as soon as the issuer acts.

    What costs (the verification, the QR code, Markdown) is rendered once per state of the credential and kept in
    the public cache (D40); the page around it (who is signed in, messages) and the stacking sections (the issuers'
    current rules) are rendered for each request.
    """
    state = credential.state()
    cache = public_cache()
    key = _page_key(credential, state)
    fragments = cache.get(key)
    if fragments is None:
        fragments = _page_fragments(_full_credential(credential), state)
        # A verdict that could not be completed may come out otherwise in a moment: not kept.
        if fragments["verification"]["state"] != "indeterminate":
            cache.set(key, fragments)
    label, _ = PUBLIC_STATES[state]
    context = {
        "credential": credential,
        "name": fragments["name"],
        "state": state,
        "state_label": label,
        "verification": fragments["verification"],
        # Rendered by our own templates from autoescaped values, like the rest of the page.
        "fragments": {part: mark_safe(fragments[part]) for part in PAGE_PARTS},  # noqa: S308
    }
    return render(request, "badges/credential_public.html", context)


def _page_fragments(credential: Credential, state: str) -> dict[str, Any]:
    """The page's cached parts as HTML strings, with the name and the verification they show: plain data, which
    any cache backend keeps."""
    document = json.loads(credential.document)
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    issuer = document.get("issuer") or {}
    image = achievement.get("image")
    image_url = image.get("id") if isinstance(image, dict) else image
    image_url = image_url if isinstance(image_url, str) and image_url.startswith(_IMAGE_SCHEMES) else ""
    label, explanation = PUBLIC_STATES[state]
    name = achievement.get("name") or credential.achievement.name
    description = achievement.get("description", "")
    issuer_name = (issuer.get("name") if isinstance(issuer, dict) else "") or credential.issuer.name
    page_url = credential.public_id
    # Shown and shared: the achievement's own image, else the baked default badge.
    display_image = image_url or f"{page_url}?format=png"
    shareable = state == SHAREABLE_STATE
    achieved = achieved_in(document)
    context = {
        "credential": credential,
        "name": name,
        "description": description,
        # The narrative is Markdown (OB 3.0); rendered and sanitized like on the issuer's pages.
        "criteria": render_markdown((achievement.get("criteria") or {}).get("narrative", "")),
        "criteria_url": (achievement.get("criteria") or {}).get("id", ""),
        "image_url": display_image,
        "image_caption": image.get("caption", "") if isinstance(image, dict) else "",
        "og_image": display_image if display_image.startswith(("https://", "http://")) else "",
        "issuer_name": issuer_name,
        "issuer_url": issuer.get("url", "") if isinstance(issuer, dict) else "",
        "alignments": _alignments(achievement.get("alignment")),
        "evidence": _evidence(document.get("evidence")),
        "endorsements": [*_endorsements(achievement, of_issuer=""), *_endorsements(issuer, of_issuer=issuer_name)],
        "achieved": achieved,
        # Markdown (OB 3.0), rendered and sanitized like the criteria.
        "achieved_narrative": render_markdown(achieved["narrative"]) if achieved["narrative"] else "",
        "state": state,
        "state_label": label,
        "state_explanation": explanation,
        # Revoked or suspended: when the issuer decided it, from the audit log (None when nothing records it).
        "status_since": credential_status_since(credential),
        "page_url": page_url,
        "shareable": shareable,
        "verification": _live_verification(credential, document),
    }
    if shareable:
        context.update(_sharing(credential, name=name, issuer_name=issuer_name, page_url=page_url))
    fragments = {part: render_to_string(f"badges/_credential_public_{part}.html", context) for part in PAGE_PARTS}
    return {"name": name, "verification": context["verification"], **fragments}


def _sharing(credential: Credential, *, name: str, issuer_name: str, page_url: str) -> dict[str, Any]:
    """The ways to share the page: LinkedIn's form filled in and an e-mail (both through `credential_share`, which
    counts them), the QR code."""
    return {
        "qr_svg": mark_safe(qr_svg(page_url, title=gettext("QR code of %(url)s") % {"url": page_url})),  # noqa: S308 - generated by segno
    }


def _share_url(credential: Credential, target: str) -> str:
    """Where a share link of the page leads: LinkedIn's "Add licence or certification" form filled in, or an e-mail
    with no recipient. Made from the signed document and the row, never from the request."""
    document = json.loads(credential.document)
    achievement = (document.get("credentialSubject") or {}).get("achievement") or {}
    issuer = document.get("issuer") or {}
    name = achievement.get("name") or credential.achievement.name
    issuer_name = (issuer.get("name") if isinstance(issuer, dict) else "") or credential.issuer.name
    page_url = credential.public_id
    if target == "linkedin":
        return linkedin_add_url(
            name=name,
            organization=issuer_name,
            issued=credential.valid_from,
            expires=credential.valid_until,
            url=page_url,
            certificate_id=str(credential.uuid),
        )
    share_text = gettext("%(name)s, awarded by %(issuer)s") % {"name": name, "issuer": issuer_name}
    return mailto_url(subject=share_text, body=f"{share_text}:\n{page_url}")


# The share links of the public page, by the last part of their URL.
SHARE_TARGETS = ("linkedin", "email")


class _ShareRedirect(HttpResponseRedirectBase):
    """A redirect to one of the two places a credential is shared to; Django's own refuses mailto:."""

    status_code = 302
    allowed_schemes = ["https", "mailto"]


@require_safe
def credential_share(request: HttpRequest, uuid: str, target: str) -> HttpResponseBase:
    """A share link of the public page followed: counted (badges.activity), then on to LinkedIn or the e-mail. The
    destination is made here from the credential, so the URL cannot send anyone elsewhere. A badge that does not
    hold is not shared (D47): its link leads back to its page, uncounted."""
    if target not in SHARE_TARGETS:
        raise Http404("No such way to share.")
    credential = get_object_or_404(Credential.objects.select_related("issuer", "achievement"), uuid=uuid)
    if credential.state() != SHAREABLE_STATE:
        response: HttpResponseBase = _ShareRedirect(credential.public_id)
    else:
        response = _ShareRedirect(_share_url(credential, target))
        if request.method == "GET":
            note(Activity.SHARE, issuer_id=credential.issuer_id, achievement_id=credential.achievement_id)
    response["Cache-Control"] = "no-store"  # every click is a share to count
    return response


def _alignments(value: Any) -> list[dict[str, str]]:
    """The signed alignments, links kept only when they are web URLs."""
    out = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("targetName"), str):
            continue
        url = item.get("targetUrl")
        out.append(
            {
                "name": item["targetName"],
                "url": url if isinstance(url, str) and url.startswith(("https://", "http://")) else "",
                "framework": str(item.get("targetFramework") or ""),
                "code": str(item.get("targetCode") or ""),
                "description": str(item.get("targetDescription") or ""),
            }
        )
    return out


def _endorsements(holder: Any, *, of_issuer: str) -> list[dict[str, str]]:
    """Who endorsed the achievement or the issuer, and what they said, as signed into the credential (D63): the
    embedded EndorsementCredentials and the payloads of the VC-JWT ones. The live verification above checks them."""
    if not isinstance(holder, dict):
        return []
    items = [item for item in holder.get("endorsement") or [] if isinstance(item, dict)]
    items += [found for token in holder.get("endorsementJwt") or [] if (found := _jwt_credential(token))]
    out = []
    for item in items:
        issuer = item.get("issuer")
        endorser = (issuer.get("name") or issuer.get("id")) if isinstance(issuer, dict) else issuer
        subject = item.get("credentialSubject")
        comment = subject.get("endorsementComment") if isinstance(subject, dict) else ""
        if isinstance(endorser, str) and endorser:
            out.append(
                {"endorser": endorser, "comment": comment if isinstance(comment, str) else "", "of_issuer": of_issuer}
            )
    return out


def _jwt_credential(token: Any) -> dict[str, Any] | None:
    if not isinstance(token, str):
        return None
    try:
        return unverified_jws_credential(token)
    except VerificationError:
        return None


def _evidence(value: Any) -> list[dict[str, Any]]:
    """The signed evidence: a link when its id is a web URL, the narrative rendered from Markdown."""
    out = []
    for item in value if isinstance(value, list) else []:
        if not isinstance(item, dict):
            continue
        url = item.get("id")
        entry = {
            "url": url if isinstance(url, str) and url.startswith(("https://", "http://")) else "",
            "name": str(item.get("name") or ""),
            "genre": str(item.get("genre") or ""),
            "description": str(item.get("description") or ""),
            "narrative": render_markdown(item["narrative"]) if isinstance(item.get("narrative"), str) else "",
        }
        if any(entry.values()):
            out.append(entry)
    return out


@require_safe
def status_list(request: HttpRequest, slug: str, purpose: str, sequence: int) -> HttpResponseBase:
    """The signed BitstringStatusListCredential: signed once per change of its bits (or when its validity runs
    low, D6), kept in the public cache under its version, revalidated by ETag on every use (D40)."""
    if purpose not in StatusPurpose.values:
        raise Http404("Unknown status purpose.")
    found = (
        StatusList.objects.filter(issuer__slug=slug, purpose=purpose, sequence=sequence)
        .values_list("pk", "version")
        .first()
    )
    if found is None:
        raise Http404("No such status list.")
    pk, version = found
    cache = public_cache()
    # The version moves with every bit flip in the same transaction as the flip: a revocation committed before
    # this read is another key, so no cached list from before it can be served.
    key = f"status-list:{pk}:{version}"
    entry = cache.get(key)
    if entry is None or timezone.now().timestamp() >= entry[2]:
        lst = StatusList.objects.select_related("issuer").get(pk=pk)
        signed = status_list_document(lst)  # signs only when the stored signature is behind or about to expire
        valid_until = datetime.fromisoformat(json.loads(signed)["validUntil"].replace("Z", "+00:00"))
        # Served from the cache until status_list_document would sign it again: a quarter of its validity left.
        refresh_at = (valid_until - LIST_VALIDITY / 4).timestamp()
        body = signed.encode("utf-8")
        entry = (body, etag_of(body), refresh_at)
        cache.set(key, entry)
    body, etag, _ = entry
    response = HttpResponse(body, content_type="application/vc+ld+json")
    response["Access-Control-Allow-Origin"] = "*"
    return conditional(request, response, cache_control=REVALIDATE, etag=etag)
