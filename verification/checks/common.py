"""What the check modules share: the verification's context, the guards every check runs under, and two
helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from verification import budget
from verification.binding import IssuerProfiles
from verification.errors import Indeterminate, PlatformUnavailable, VerificationError
from verification.keys import KeyResolver
from verification.report import FAILED, INDETERMINATE, Check
from verification.status import StatusListSource

__all__ = ["VerificationContext", "guard", "guard_many", "sentence", "types_of"]

# The guards log under the service's name: that is where a defect in a check shows up for an operator.
logger = logging.getLogger("verification.service")


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


# --------------------------------------------------------------------------------------------------------------
# Guards: nothing a credential contains may turn into an unhandled exception.


def guard(check_id: str, step: Callable[[], Check]) -> Check:
    return guard_many(check_id, lambda: [step()])[0]


def guard_many(check_id: str, step: Callable[[], list[Check]]) -> list[Check]:
    try:
        # Once the verification's time budget is spent, no further check starts (endorsements and bundled
        # credentials run their checks through here too, so they stop as well).
        budget.check()
        return step()
    except Indeterminate as exc:
        # Could not be completed (unreachable, too slow, budget spent): never a pass, never a forgery's failure.
        return [Check(check_id, INDETERMINATE, exc.message, exc.code)]
    except VerificationError as exc:
        return [Check(check_id, FAILED, exc.message, exc.code)]
    except PlatformUnavailable:
        # Not a finding about the credential: the caller answers "try again later" (503), never "invalid".
        raise
    except Exception:
        # A defect in a check must not crash the report nor pass silently: log it, fail the check.
        logger.exception("verification step %s raised unexpectedly", check_id)
        return [Check(check_id, FAILED, "This check could not be completed because of an internal error.", "internal")]
