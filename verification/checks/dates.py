"""The `valid_from` and `valid_until` checks (VCDM 1.1: `issuanceDate`, `expirationDate`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from verification.report import FAILED, PASSED, Check

__all__ = ["date_checks"]


def _parse_datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or "T" not in value.upper():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def date_checks(credential: dict[str, Any], now: datetime) -> list[Check]:
    start_name = "validFrom" if "validFrom" in credential or "issuanceDate" not in credential else "issuanceDate"
    end_name = "validUntil" if "validUntil" in credential or "expirationDate" not in credential else "expirationDate"
    checks = []
    start_value = credential.get(start_name)
    start = _parse_datetime(start_value)
    if start_value is None:
        checks.append(Check("valid_from", FAILED, f"The credential has no {start_name} date.", "missing"))
    elif start is None:
        checks.append(Check("valid_from", FAILED, f"{start_name} {start_value!r} is not a valid date-time.", "invalid"))
    elif now < start:
        checks.append(
            Check(
                "valid_from",
                FAILED,
                f"The credential is not valid yet: it is valid from {start_value}.",
                "not_yet_valid",
            )
        )
    else:
        checks.append(Check("valid_from", PASSED, f"Valid since {start_value}.", "valid_from"))

    end_value = credential.get(end_name)
    end = _parse_datetime(end_value)
    if end_value is None:
        checks.append(Check("valid_until", PASSED, "The credential does not expire.", "no_expiry"))
    elif end is None:
        checks.append(Check("valid_until", FAILED, f"{end_name} {end_value!r} is not a valid date-time.", "invalid"))
    elif now > end:
        checks.append(Check("valid_until", FAILED, f"The credential expired on {end_value}.", "expired"))
    else:
        checks.append(Check("valid_until", PASSED, f"Valid until {end_value}.", "not_expired"))
    return checks
