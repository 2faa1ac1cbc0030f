"""What the check modules share: the verification's context and two helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from verification.binding import IssuerProfiles
from verification.keys import KeyResolver
from verification.status import StatusListSource

__all__ = ["VerificationContext", "sentence", "types_of"]


class VerificationContext:
    """What the checks consult besides the credential: keys, status lists, the time, issuer profiles. One per
    verification, shared by the endorsements and bundled credentials verified inside it."""

    def __init__(
        self,
        *,
        resolver: KeyResolver,
        status_source: StatusListSource,
        now: datetime,
        companion_status: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None,
        issuer_profiles: IssuerProfiles | None = None,
    ) -> None:
        self.resolver = resolver
        self.status_source = status_source
        self.now = now
        self.companion_status = companion_status
        self.issuer_profiles = issuer_profiles


def sentence(text: str) -> str:
    """`text` stripped and ending like a sentence (a full stop added unless it ends in . ! or ?)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def types_of(document: dict[str, Any]) -> list[Any]:
    """The document's `type`, as a list."""
    declared = document.get("type")
    return declared if isinstance(declared, list) else [declared]
