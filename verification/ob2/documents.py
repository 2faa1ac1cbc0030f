"""The documents an Open Badges 2.0 verification fetches: the hosted assertion, its BadgeClass, the issuer
profile, a CryptographicKey, the issuer's RevocationList.

Every one is named by the badge, so attacker-chosen: they come through the hardened client only (its URL
rules, address filter, deadline and size cap, and the verification's outbound allowance), each is held to the
input limits of a credential given directly (size, JSON depth, longest array, number of values), each URL is
fetched once per verification, and one verification fetches at most MAX_DOCUMENTS of them — so documents
that name each other (a BadgeClass that points back at the assertion, an issuer whose key is its BadgeClass)
cost a few fetches and end in a finding, never in a loop.
"""

from __future__ import annotations

from typing import Any, Protocol

from verification.errors import FetchError, InputError, TooComplex, VerificationError, remembered
from verification.http import FetchedDocument
from verification.inputs import DEFAULT_LIMITS, InputLimits, describe_size, parse_json

__all__ = ["MAX_DOCUMENTS", "MAX_REDIRECTS", "OB2_ACCEPT", "DocumentFetcher", "Documents"]

# Assertion, BadgeClass, issuer, a key or two, the revocation list: a real badge needs at most six.
MAX_DOCUMENTS = 8
MAX_REDIRECTS = 3
OB2_ACCEPT = "application/ld+json, application/json;q=0.9, text/plain;q=0.1"


class DocumentFetcher(Protocol):
    """What fetches a URL: verification.http.HardenedClient (raises FetchError; HttpStatusError for a non-2xx
    answer)."""

    def get(self, url: str, *, accept: str, redirects: int = 0) -> FetchedDocument: ...


class Documents:
    """The documents of one verification, fetched through `fetcher` (None: nothing can be fetched)."""

    def __init__(self, fetcher: DocumentFetcher | None, limits: InputLimits = DEFAULT_LIMITS) -> None:
        self._fetcher = fetcher
        self._limits = limits
        self._fetched: dict[str, dict[str, Any] | VerificationError] = {}

    def get(self, url: str) -> dict[str, Any]:
        """The JSON object at `url`. FetchError (HttpStatusError with its status) when it cannot be had or is
        not a usable JSON object; TooComplex when the verification has fetched its share of documents."""
        if url not in self._fetched and len(self._fetched) >= MAX_DOCUMENTS:
            raise TooComplex(
                f"Not fetched: {url}. The badge names more than {MAX_DOCUMENTS} documents to fetch; a real badge "
                "needs at most six."
            )
        return remembered(self._fetched, url, lambda: self._fetch(url))

    def _fetch(self, url: str) -> dict[str, Any]:
        if self._fetcher is None:
            raise FetchError(f"{url} was not fetched: this verifier has no network access configured.")
        # Hosts move badges (http to https, a new path) and answer the old URL with a redirect: a few are followed,
        # each hop under the client's URL rules and address filter, and the document is judged against the URL it
        # was asked for (an assertion's id must still be that URL).
        fetched = self._fetcher.get(url, accept=OB2_ACCEPT, redirects=MAX_REDIRECTS)
        limit = self._limits.credential_bytes
        if len(fetched.body) > limit:
            raise FetchError(
                f"The document at {url} is larger than {describe_size(limit)}; a badge document never is.",
                code="fetch_too_large",
            )
        try:
            text = fetched.body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FetchError(f"The document at {url} is not UTF-8 text, so not JSON.", code="fetch_not_json") from None
        try:
            document = parse_json(text, self._limits)
        except InputError as exc:
            raise FetchError(f"The document at {url} was refused: {exc.message}", code="fetch_not_json") from exc
        if not isinstance(document, dict):
            raise FetchError(f"The document at {url} is not a JSON object.", code="fetch_not_json")
        return document
