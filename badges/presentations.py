"""The presentation verifier wired to this platform (verification.presentation over badges.verify's resolver): the
presentation's proof keys resolved as a credential's are, every held credential verified by the caller, the whole
within one time budget (VERIFY_TIME_BUDGET) and the presentation held to the verifier's input limits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings

from badges.verify import platform_resolver, verification_limits
from verification import budget
from verification.inputs import check_structure
from verification.presentation import PresentationReport
from verification.presentation import verify_presentation as verify_with
from verification.report import Report


def verify_presentation(
    presentation: dict[str, Any],
    *,
    challenge: str | None,
    domain: str | None,
    verify_credential: Callable[[Any], Report],
) -> PresentationReport:
    """Raise InputError (unusable input) for a presentation past the input limits; PlatformUnavailable when our
    own records cannot be read."""
    check_structure(presentation, verification_limits(settings.VERIFY_MAX_BODY_BYTES))
    # One deadline for the presentation and everything it holds: a presentation of many credentials gets no
    # more time than one credential, and what the deadline cuts short is indeterminate.
    with budget.limit(settings.VERIFY_TIME_BUDGET):
        return verify_with(
            presentation,
            resolver=platform_resolver(),
            challenge=challenge,
            domain=domain,
            verify_credential=verify_credential,
        )
