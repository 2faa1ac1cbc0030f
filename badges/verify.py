"""The verifier wired to this platform: our issuers' DID documents and status lists come from the
database (no HTTP, no trust in our own web servers' availability); everything else goes through
the hardened client."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings

from badges.models import StatusList, StatusPurpose
from badges.status_lists import status_list_document
from issuer.selectors import did_document_for_did
from verification.http import HardenedClient
from verification.inputs import InputLimits
from verification.report import Report
from verification.resolvers import CompositeResolver, DidWebResolver
from verification.service import verify
from verification.status import HttpStatusListSource

_STATUS_URL = re.compile(r"^/issuers/(?P<slug>[a-z0-9-]+)/status/(?P<purpose>[a-z]+)/(?P<sequence>\d+)$")


def outbound_client() -> HardenedClient:
    return HardenedClient.from_settings()


class PlatformStatusListSource:
    """Our own lists straight from the database; foreign ones through the hardened client."""

    def __init__(self, client: HardenedClient) -> None:
        self._remote = HttpStatusListSource(client)

    def get(self, url: str) -> dict[str, Any]:
        import json

        if url.startswith(settings.SITE_URL + "/"):
            match = _STATUS_URL.match(url[len(settings.SITE_URL) :])
            if match and match["purpose"] in StatusPurpose.values:
                status_list = (
                    StatusList.objects.select_related("issuer")
                    .filter(issuer__slug=match["slug"], purpose=match["purpose"], sequence=int(match["sequence"]))
                    .first()
                )
                if status_list is not None:
                    # Verification writes nothing: a stale list is signed in memory, not saved.
                    return json.loads(status_list_document(status_list, save=False))
        return self._remote.get(url)


CREDENTIAL_ACCEPT = (
    "application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.9, application/jwt;q=0.8, "
    "text/plain;q=0.5, image/png;q=0.5, image/svg+xml;q=0.5"
)


def fetch_credential(url: str) -> tuple[bytes, str]:
    """The bytes behind a credential URL: ours straight from the database, others via the hardened client."""
    from badges.selectors import credential_by_ref

    prefix = f"{settings.SITE_URL}/credentials/"
    if url.startswith(prefix):
        credential = credential_by_ref(url)
        if credential is not None:
            return credential.document.encode("utf-8"), f"credential-{credential.uuid}.json"
    fetched = outbound_client().get(url, accept=CREDENTIAL_ACCEPT)
    return fetched.body, url.rsplit("/", 1)[-1]


def suspension_companion(credential: dict[str, Any]) -> list[dict[str, Any]]:
    """For a credential naming one of our revocation lists, the suspension list at the same slot (D5)."""
    entry = credential.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("statusPurpose") != StatusPurpose.REVOCATION:
        return []
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url.startswith(settings.SITE_URL + "/"):
        return []
    match = _STATUS_URL.match(url[len(settings.SITE_URL) :])
    if not match or match["purpose"] != StatusPurpose.REVOCATION:
        return []
    suspension_url = f"{settings.SITE_URL}/issuers/{match['slug']}/status/suspension/{match['sequence']}"
    return [
        {
            "id": f"{suspension_url}#{entry.get('statusListIndex')}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": StatusPurpose.SUSPENSION,
            "statusListIndex": entry.get("statusListIndex"),
            "statusListCredential": suspension_url,
        }
    ]


def platform_resolver(client: HardenedClient | None = None) -> CompositeResolver:
    client = client or outbound_client()
    # Keys read from a `#z6Mk…` fragment when the controller document cannot be fetched are accepted as a
    # warning (docs/decisions.md D9), so the 1EdTech samples and issuers using that convention get an honest report.
    return CompositeResolver(
        did_web=DidWebResolver(client, local_documents=did_document_for_did), client=client, fallback_fragment=True
    )


def verification_limits(max_credential_bytes: int | None = None) -> InputLimits:
    """The input limits of the settings (VERIFY_MAX_JSON_*); the credential text held to `max_credential_bytes`
    (None: the library's own 10 MB cap)."""
    return InputLimits(
        max_credential_bytes=max_credential_bytes,
        max_depth=settings.VERIFY_MAX_JSON_DEPTH,
        max_array_items=settings.VERIFY_MAX_JSON_ARRAY,
        max_values=settings.VERIFY_MAX_JSON_VALUES,
    )


def verify_credential(
    data: bytes | str | dict[str, Any],
    *,
    recipient: str | None = None,
    now: datetime | None = None,
    filename: str | None = None,
    content_type: str | None = None,
    max_credential_bytes: int | None = None,
) -> Report:
    """Verify any Open Badges 3.0 credential (ours or another platform's) and report every check.

    Bounded: within VERIFY_TIME_BUDGET seconds (VERIFY_OUTBOUND_BUDGET of them for fetches) and the input
    limits of `verification_limits(max_credential_bytes)`; the public endpoints pass VERIFY_MAX_BODY_BYTES, so
    the credential in an uploaded image is held to the same limit as one sent directly."""
    client = outbound_client()
    return verify(
        data,
        resolver=platform_resolver(client),
        status_source=PlatformStatusListSource(client),
        now=now,
        recipient=recipient,
        filename=filename,
        content_type=content_type,
        companion_status=suspension_companion,
        time_budget=settings.VERIFY_TIME_BUDGET,
        outbound_budget=settings.VERIFY_OUTBOUND_BUDGET,
        limits=verification_limits(max_credential_bytes),
    )
