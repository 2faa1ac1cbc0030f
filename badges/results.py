"""An award's results, checked against its achievement's result descriptions and shaped as OB 3.0 Results.

A result names the description it answers by the description's `id` (as signed into the achievement), its name, or
its position (0-based), and gives a `value`, an `achieved_level` or a `status` (docs/decisions.md D65). Every
refusal is a CredentialError whose `field` is the result's member at fault, such as `results[0].value`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext, pgettext_lazy

from badges import documents
from badges.models import Achievement

# OB 3.0 ResultStatusType, and each as a reader reads it; a credential signs the term, never the words.
STATUS_LABELS = {
    "Completed": pgettext_lazy("result status", "Completed"),
    "Enrolled": pgettext_lazy("result status", "Enrolled"),
    "Failed": pgettext_lazy("result status", "Failed"),
    "InProgress": pgettext_lazy("result status", "In progress"),
    "OnHold": pgettext_lazy("result status", "On hold"),
    "Provisional": pgettext_lazy("result status", "Provisional"),
    "Withdrew": pgettext_lazy("result status", "Withdrew"),
}
RESULT_STATUSES = list(STATUS_LABELS)
# The result types whose value is a number; a description's valueMin and valueMax bound it.
NUMERIC_TYPES = frozenset({"GradePointAverage", "Percent", "PredictedScore", "RawScore", "RubricScore", "ScaledScore"})
MAX_VALUE_LENGTH = 200


class ResultError(Exception):
    """One result refused; `field` names the member (`results[0].value`)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def described(achievement: Achievement) -> list[dict[str, Any]]:
    """The achievement's result descriptions as its credentials sign them (each with its `id`)."""
    return [documents.result_description(item, achievement) for item in achievement.result_descriptions]


def find_description(descriptions: Sequence[Mapping[str, Any]], ref: Any) -> int | None:
    """The position of the description `ref` names: its id, its name (any case), or its 0-based position."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref if 0 <= ref < len(descriptions) else None
    text = str(ref or "").strip()
    for position, item in enumerate(descriptions):
        if text == item["id"]:
            return position
    for position, item in enumerate(descriptions):
        if text.casefold() == str(item["name"]).casefold():
            return position
    if text.isdigit() and int(text) < len(descriptions):
        return int(text)
    return None


def _number(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _text(item: Mapping[str, Any], key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    return documents.clean_line(str(value)).strip()


def check_results(
    achievement: Achievement,
    results: Sequence[Mapping[str, Any]],
    *,
    descriptions: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The OB 3.0 Result objects for `results` ({result_description, value, achieved_level, status}), in order.

    Raises ResultError for an unknown description, a description answered twice, a value that is not allowed or
    out of bounds, a level the description does not list, or a status outside ResultStatusType. `descriptions`:
    the achievement's, as `described` gives them, when the caller holds them already (a bulk file's rows)."""
    if not results:
        return []
    if descriptions is None:
        descriptions = described(achievement)
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    for position, item in enumerate(results):
        prefix = f"results[{position}]"
        ref = item.get("result_description")
        found = find_description(descriptions, ref)
        if found is None:
            names = ", ".join(repr(d["name"]) for d in descriptions)
            raise ResultError(
                gettext("The achievement has no result description %(ref)s; it has: %(names)s.")
                % {"ref": repr(ref), "names": names or gettext("none")}
                if descriptions
                else gettext("The achievement %(name)s describes no results, so none can be awarded.")
                % {"name": repr(achievement.name)},
                field=f"{prefix}.result_description",
            )
        if found in seen:
            raise ResultError(
                gettext("The result %(name)s is given twice.") % {"name": repr(descriptions[found]["name"])},
                field=f"{prefix}.result_description",
            )
        seen.add(found)
        out.append(_result(descriptions[found], item, prefix))
    return out


def _result(description: Mapping[str, Any], item: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    name = repr(description["name"])
    value, level, status = _text(item, "value"), _text(item, "achieved_level"), _text(item, "status")
    if not (value or level or status):
        raise ResultError(
            gettext("The result %(name)s needs a value, an achieved level or a status.") % {"name": name},
            field=f"{prefix}.value",
        )
    if description["resultType"] == "Status" and not status:
        raise ResultError(
            gettext("The result %(name)s is a status: give one of %(statuses)s.")
            % {"name": name, "statuses": ", ".join(RESULT_STATUSES)},
            field=f"{prefix}.status",
        )
    if status and status not in RESULT_STATUSES:
        raise ResultError(
            gettext("%(status)s is not a result status; expected one of %(statuses)s.")
            % {"status": repr(status), "statuses": ", ".join(RESULT_STATUSES)},
            field=f"{prefix}.status",
        )
    if value:
        _check_value(description, value, f"{prefix}.value")
    if level:
        levels = [str(entry.get("id", "")) for entry in description.get("rubricCriterionLevel") or []]
        if level not in levels:
            raise ResultError(
                gettext("%(level)s is not one of the levels of the result %(name)s (%(levels)s).")
                % {"level": repr(level), "name": name, "levels": ", ".join(levels) or gettext("it lists none")},
                field=f"{prefix}.achieved_level",
            )
    doc: dict[str, Any] = {"type": ["Result"], "resultDescription": description["id"]}
    if value:
        doc["value"] = value
    if level:
        doc["achievedLevel"] = level
    if status:
        doc["status"] = status
    return doc


def _check_value(description: Mapping[str, Any], value: str, field: str) -> None:
    name = repr(description["name"])
    if len(value) > MAX_VALUE_LENGTH:
        raise ResultError(
            gettext("The value of %(name)s is longer than %(max)s characters.")
            % {"name": name, "max": MAX_VALUE_LENGTH},
            field=field,
        )
    allowed = description.get("allowedValue") or []
    if allowed and value not in allowed:
        raise ResultError(
            gettext("%(value)s is not an allowed value of %(name)s; expected one of %(allowed)s.")
            % {"value": repr(value), "name": name, "allowed": ", ".join(allowed)},
            field=field,
        )
    low, high = _number(description.get("valueMin", "")), _number(description.get("valueMax", ""))
    if description["resultType"] not in NUMERIC_TYPES and low is None and high is None:
        return
    number = _number(value)
    if number is None:
        raise ResultError(
            gettext("The value of %(name)s must be a number, like 87 or 3.5; %(value)s is not.")
            % {"name": name, "value": repr(value)},
            field=field,
        )
    if (low is not None and number < low) or (high is not None and number > high):
        raise ResultError(
            gettext("%(value)s is outside the range of %(name)s (%(min)s to %(max)s).")
            % {
                "value": value,
                "name": name,
                "min": description.get("valueMin", "…"),
                "max": description.get("valueMax", "…"),
            },
            field=field,
        )
