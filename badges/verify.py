"""The verifier wired to this platform: our issuers' DID documents (every key they ever signed with, except
compromised ones) and status bits come straight from the database — no HTTP to ourselves, nothing re-signed to
be checked again; everything else goes through the hardened client. When the database cannot be read the
verifier raises PlatformUnavailable (callers answer 503), never "invalid"."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from badges.activity import Activity, note
from badges.models import Credential, StatusList, StatusPurpose
from issuer.dids import did_for_slug, slug_from_did
from issuer.models import Issuer
from issuer.selectors import did_document_for_did
from verification.errors import FetchError, HttpStatusError, KeyResolutionError, PlatformUnavailable
from verification.http import HardenedClient
from verification.inputs import InputLimits
from verification.report import Report
from verification.resolvers import CompositeResolver, DidWebResolver
from verification.service import verify
from verification.status import HttpStatusListSource, TrustedStatusList

logger = logging.getLogger(__name__)

_STATUS_URL = re.compile(r"^/issuers/(?P<slug>[a-z0-9-]+)/status/(?P<purpose>[a-z]+)/(?P<sequence>\d+)$")


def outbound_client() -> HardenedClient:
    return HardenedClient.from_settings()


@contextmanager
def _database() -> Iterator[None]:
    """Our own records or nothing: a database that cannot answer makes the platform unavailable, and a
    credential is never judged on a guess."""
    try:
        yield
    except DatabaseError as exc:
        raise PlatformUnavailable("The platform's database cannot be read right now.") from exc


class PlatformStatusListSource:
    """Our own lists' bits straight from the database (the source of truth, so nothing is signed to be checked);
    foreign lists through the hardened client. A URL on our site that names no list of ours is unreachable."""

    def __init__(self, client: HardenedClient) -> None:
        self._remote = HttpStatusListSource(client)
        self._read: dict[tuple[str, int], dict[str, bytes]] = {}  # (slug, sequence) → bits by purpose

    def get(self, url: str) -> dict[str, Any] | TrustedStatusList:
        if not url.startswith(settings.SITE_URL + "/"):
            return self._remote.get(url)
        match = _STATUS_URL.match(url[len(settings.SITE_URL) :])
        if not match or match["purpose"] not in StatusPurpose.values:
            raise FetchError(f"{url} is not a status list of this platform.")
        slug, sequence = match["slug"], int(match["sequence"])
        if (slug, sequence) not in self._read:
            # Every purpose of the sequence in one query: a credential of ours names its revocation list, and the
            # suspension list at the same slot is checked with it (D5, D38).
            with _database():
                self._read[slug, sequence] = _lists_of_sequence(slug, sequence)
        bits = self._read[slug, sequence].get(match["purpose"])
        if bits is None:
            raise FetchError(f"This platform publishes no status list at {url}.")
        return TrustedStatusList(url=url, purpose=match["purpose"], issuer=did_for_slug(slug), bits=bits)


def _lists_of_sequence(slug: str, sequence: int) -> dict[str, bytes]:
    """The bits of every list of the issuer's sequence, by purpose: one statement, written out because the ORM took
    longer to compile it than the database took to answer (this runs for every credential of ours verified)."""
    lists, issuers = StatusList._meta, Issuer._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.{quote(lists.get_field('purpose').column)}, l.{quote(lists.get_field('bits').column)}"  # noqa: S608 - names from the models
            f" FROM {quote(lists.db_table)} l JOIN {quote(issuers.db_table)} i"
            f" ON i.{quote(issuers.pk.column)} = l.{quote(lists.get_field('issuer').column)}"
            f" WHERE i.{quote(issuers.get_field('slug').column)} = %s AND l.{quote(lists.get_field('sequence').column)} = %s",
            [slug, sequence],
        )
        return {purpose: bytes(bits) for purpose, bits in cursor.fetchall()}


CREDENTIAL_ACCEPT = (
    "application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.9, application/jwt;q=0.8, "
    "text/plain;q=0.5, image/png;q=0.5, image/svg+xml;q=0.5"
)


def fetch_credential(url: str) -> tuple[bytes, str]:
    """The bytes behind a credential URL: ours straight from the database, others via the hardened client."""
    from badges.selectors import credential_by_ref

    prefix = f"{settings.SITE_URL}/credentials/"
    if url.startswith(prefix):
        with _database():
            credential = credential_by_ref(url)
        if credential is not None:
            return credential.document.encode("utf-8"), f"credential-{credential.uuid}.json"
    try:
        fetched = outbound_client().get(url, accept=CREDENTIAL_ACCEPT)
    except HttpStatusError as exc:
        if exc.status != 410:
            raise
        # 410 Gone is how an Open Badges 2.0 hosted assertion is revoked: verify the URL itself, so the report
        # says "revoked" instead of the page refusing the input.
        return url.encode("utf-8"), url.rsplit("/", 1)[-1]
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


def own_did_document(did: str) -> dict[str, Any] | None:
    """The DID document of one of our issuers from the database; None for a DID of another host. A did:web of
    our own host that names no issuer of ours is refused here: we never ask our own web servers."""
    if not _on_our_host(did):
        return None
    if slug_from_did(did) is None:
        raise KeyResolutionError(f"{did} is on this platform's host but names no issuer of this platform.")
    with _database():
        document = did_document_for_did(did)
    if document is None:
        raise KeyResolutionError(f"{did} names no issuer of this platform.")
    return document


def _on_our_host(did: str) -> bool:
    prefix = did_for_slug("x").rsplit(":issuers:", 1)[0]
    return did == prefix or did.startswith(prefix + ":")


def platform_resolver(client: HardenedClient | None = None) -> CompositeResolver:
    """did:key and did:jwk offline, our did:web issuers from the database, every other DID or URL fetched."""
    client = client or outbound_client()
    return CompositeResolver(did_web=DidWebResolver(client, local_documents=own_did_document), client=client)


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
    """Verify any Open Badges 3.0 credential or 2.0 assertion (ours or another platform's) and report every check;
    a 2.0 badge's documents are fetched through the hardened client.

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
        fetcher=client,
    )


def note_verification(report: Report) -> None:
    """Count a verification for the issuer when the credential checked is one of ours (badges.activity): its `id` is
    one of our credentials' pages and its issuer is that credential's issuer, whatever the verdict — a revoked
    credential checked by an employer was verified all the same. Anything else (another platform's, an OB 2.0
    assertion, a document too broken to name its issuer) is not counted. Never raises: a failure is logged."""
    credential = report.credential if isinstance(report.credential, dict) else {}
    credential_id = credential.get("id")
    issuer_id = (report.summary.get("issuer") or {}).get("id") or ""
    prefix = f"{settings.SITE_URL}/credentials/"
    if not isinstance(credential_id, str) or not credential_id.startswith(prefix):
        return
    slug = slug_from_did(issuer_id) if isinstance(issuer_id, str) else None
    if slug is None:
        return
    try:
        found = (
            Credential.objects.filter(uuid=uuid.UUID(credential_id[len(prefix) :]), issuer__slug=slug)
            .values_list("issuer_id", "achievement_id")
            .first()
        )
    except ValueError:  # not a UUID after the prefix
        return
    except DatabaseError:
        logger.warning("Could not look up the verified credential %s to count it", credential_id, exc_info=True)
        return
    if found is not None:
        note(Activity.VERIFICATION, issuer_id=found[0], achievement_id=found[1])
