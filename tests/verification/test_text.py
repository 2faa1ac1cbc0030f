"""Cleaning of strings the platform signs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from verification.canon import canonicalize
from verification.text import clean_document_strings, clean_text

C0_AND_DEL = [chr(code) for code in (*range(0x20), 0x7F)]


def test_single_line() -> None:
    assert clean_text("Data\tStewardship\r\nPractitioner\rII\n", multiline=False) == "Data Stewardship Practitioner II "
    assert clean_text("A\x00B\x07C\x1bD\x7fE\x0bF\x0cG", multiline=False) == "ABCDEFG"
    assert clean_text("Zoë — ✓ \u2028 \x80", multiline=False) == "Zoë — ✓ \u2028 \x80"


def test_multiline() -> None:
    assert clean_text("line 1\r\nline 2\rline 3\n\tindented\x0c", multiline=True) == "line 1\nline 2\nline 3\n indented"
    assert clean_text("# Title\n\n* item\x01\n", multiline=True) == "# Title\n\n* item\n"


@given(st.text(alphabet=st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(C0_AND_DEL))))
def test_no_control_character_survives(value: str) -> None:
    single = clean_text(value, multiline=False)
    multi = clean_text(value, multiline=True)
    assert not any(char in single for char in C0_AND_DEL)
    assert not any(char in multi for char in C0_AND_DEL if char != "\n")
    assert clean_text(single, multiline=False) == single
    assert clean_text(multi, multiline=True) == multi


def test_document_strings_keys_untouched() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:1",
        "name": "Badge\tname\n",
        "tags\t": ["a\x01", ("b\r\n",), {"nested": "c\x7f"}],
        "count": 3,
        "flag": True,
        "nothing": None,
    }
    cleaned = clean_document_strings(document)
    assert cleaned == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:1",
        "name": "Badge name ",
        "tags\t": ["a", ["b "], {"nested": "c"}],
        "count": 3,
        "flag": True,
        "nothing": None,
    }
    assert document["name"] == "Badge\tname\n"  # a copy, the input is untouched
    assert clean_document_strings("x\ty") == "x y"
    assert clean_document_strings(5) == 5


def test_cleaned_strings_canonicalize_without_escapes() -> None:
    document = clean_document_strings(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:1", "name": "a\tb\x0cc\x01d"}
    )
    assert canonicalize(document) == '<urn:uuid:1> <https://schema.org/name> "a bcd" .\n'


def test_deep_documents_do_not_exhaust_the_stack() -> None:
    value: object = "x\ty"
    for _ in range(20_000):
        value = [value]
    cleaned = clean_document_strings(value)
    for _ in range(20_000):
        cleaned = cleaned[0]
    assert cleaned == "x y"
