"""The German catalogue is complete, and the compiled file the server reads says exactly what the catalogue says
(the .mo is committed so that a machine without GNU gettext serves German too; D51)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.i18n.pofile import Entry, read_po

LOCALE = Path(settings.LOCALE_PATHS[0])
TRANSLATIONS = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _messages(code: str) -> list[Entry]:
    return [
        entry for entry in read_po(LOCALE / code / "LC_MESSAGES" / "django.po") if entry.msgid and not entry.obsolete
    ]


def _key(entry: Entry) -> str:
    # How gettext keys a message with a context: "context\x04message".
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt is not None else entry.msgid


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_every_message_is_translated_and_none_is_fuzzy(code):
    messages = _messages(code)
    assert len(messages) > 200
    fuzzy = [entry.msgid for entry in messages if "fuzzy" in entry.flags]
    empty = [entry.msgid for entry in messages if not all(entry.msgstr.values()) or not entry.msgstr]
    singular_plural = [entry.msgid for entry in messages if entry.msgid_plural is not None and len(entry.msgstr) != 2]
    assert (fuzzy, empty, singular_plural) == ([], [], [])


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_the_compiled_catalogue_matches_its_source(code):
    """Run `make messages` after editing the .po: it compiles the .mo this compares."""
    with (LOCALE / code / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    expected: dict[object, str] = {}
    for entry in _messages(code):
        if entry.msgid_plural is None:
            expected[_key(entry)] = entry.msgstr[0]
        else:
            expected.update({(_key(entry), index): text for index, text in entry.msgstr.items()})
    actual = {key: text for key, text in catalog.items() if key != ""}
    assert actual == expected


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_placeholders_survive_translation(code):
    """A translation that drops or misspells %(name)s would fail only when the page is rendered."""
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\{ ?\w+ ?\}\}")
    wrong = [
        entry.msgid
        for entry in _messages(code)
        for text in entry.msgstr.values()
        if sorted(set(placeholder.findall(text))) != sorted(set(placeholder.findall(entry.msgid)))
    ]
    assert wrong == []
