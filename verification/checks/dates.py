"""The `valid_from` and `valid_until` checks (VCDM 1.1: `issuanceDate`, `expirationDate`; Open Badges 2.0:
`issuedOn`, `expires`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from verification.report import FAILED, PASSED, Check

__all__ = ["date_checks"]


def _parse_datetime(value: object, *, date_only: bool = False) -> datetime | None:
    # VCDM requires a date-time; Open Badges 1.x/2.0 issuers also wrote plain dates, read as midnight UTC.
    if not isinstance(value, str) or ("T" not in value.upper() and not date_only):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def date_checks(
    credential: dict[str, Any],
    now: datetime,
    *,
    names: tuple[str, str] | None = None,
    noun: str = "credential",
) -> list[Check]:
    """`names`: the start and end properties (default: validFrom/validUntil, or the VCDM 1.1 names when the
    credential uses those); an Open Badges 2.0 assertion passes ("issuedOn", "expires") and noun "badge"."""
    if names is None:
        start_name = "validFrom" if "validFrom" in credential or "issuanceDate" not in credential else "issuanceDate"
        end_name = (
            "validUntil" if "validUntil" in credential or "expirationDate" not in credential else "expirationDate"
        )
    else:
        start_name, end_name = names
    date_only = names is not None
    checks = []
    start_value = credential.get(start_name)
    start = _parse_datetime(start_value, date_only=date_only)
    if start_value is None:
        checks.append(Check("valid_from", FAILED, f"The {noun} has no {start_name} date.", "missing"))
    elif start is None:
        checks.append(Check("valid_from", FAILED, f"{start_name} {start_value!r} is not a valid date-time.", "invalid"))
    elif now < start:
        checks.append(
            Check(
                "valid_from",
                FAILED,
                f"The {noun} is not valid yet: it is valid from {start_value}.",
                "not_yet_valid",
            )
        )
    else:
        checks.append(Check("valid_from", PASSED, f"Valid since {start_value}.", "valid_from"))

    end_value = credential.get(end_name)
    end = _parse_datetime(end_value, date_only=date_only)
    if end_value is None:
        checks.append(Check("valid_until", PASSED, f"The {noun} does not expire.", "no_expiry"))
    elif end is None:
        checks.append(Check("valid_until", FAILED, f"{end_name} {end_value!r} is not a valid date-time.", "invalid"))
    elif now > end:
        checks.append(Check("valid_until", FAILED, f"The {noun} expired on {end_value}.", "expired"))
    else:
        checks.append(Check("valid_until", PASSED, f"Valid until {end_value}.", "not_expired"))
    return checks
