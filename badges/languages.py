"""The language a message to a recipient is written in (docs/decisions.md D52).

An award e-mail is sent by a task, long after any page was read, so the request's language is no guide. In order:
the language the learner chose on this platform (their own word), the language the issuer chose for the award (it
knows its learners: an LMS's locale, a course taught in German), the issuer's default, the site's default.
Apps above this one supply the learner's choice through `register_preference` (learners registers it), so badges
never imports them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.translation import get_supported_language_variant

_preferences: list[Callable[[str], str]] = []


def register_preference(lookup: Callable[[str], str]) -> None:
    """`lookup(email)` answers the language the recipient chose, or "" when they chose none."""
    if lookup not in _preferences:
        _preferences.append(lookup)


def supported_language(code: str | None) -> str:
    """`code` as one of settings.LANGUAGES ("de-AT" is "de"), or "" when it is none of them."""
    if not code:
        return ""
    try:
        return get_supported_language_variant(code)
    except LookupError:
        return ""


def language_choices() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def recipient_language(*, email: str, chosen: str = "", issuer_default: str = "") -> str:
    """The language to write to `email` in: see the module docstring for the order."""
    for lookup in _preferences:
        preferred = supported_language(lookup(email))
        if preferred:
            return preferred
    return supported_language(chosen) or supported_language(issuer_default) or settings.LANGUAGE_CODE
