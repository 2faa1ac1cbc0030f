"""The compiled schemas (jsonschema-rs) and jsonschema agree on which credentials conform.

The compiled validator only ever says "conforms"; a document it refuses goes to jsonschema, which explains it. So
the one thing that must never happen is the compiled validator accepting a document jsonschema refuses. These
tests take real credentials and profiles, damage them one value at a time in the ways that matter to a schema
(wrong type, wrong form, missing), and compare the two on every copy.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.paths import SAMPLES
from tests.verification.credentials import open_badge_credential
from tests.verification.test_tamper import parent_of, walk
from verification import schema

# Values put in place of a value: each wrong for some property (type, enum, pattern, date-time form).
REPLACEMENTS: list[Any] = [
    None,
    7,
    1.5,
    True,
    "",
    "x",
    [],
    {},
    ["x"],
    [{}],
    "2026-13-45T00:00:00Z",
    "2026-01-01",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\n",
    "ext:bad value",
]


def _damaged(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    paths = [path for path, _ in walk(document) if path]
    # Every replacement at every path for the small documents; for the large ones (complete.json, 600 values)
    # three replacements per path, rotating, so that each replacement still meets every kind of property.
    every = len(paths) <= 150
    for number, path in enumerate(paths):
        chosen = REPLACEMENTS if every else [REPLACEMENTS[(number * 3 + n) % len(REPLACEMENTS)] for n in range(3)]
        for replacement in [*chosen, _DELETE]:
            copied = copy.deepcopy(document)
            parent = parent_of(copied, path)
            if replacement is _DELETE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = copy.deepcopy(replacement)
            yield copied


_DELETE = object()


def _samples() -> list[tuple[str, dict[str, Any]]]:
    found = [("platform credential", open_badge_credential())]
    for name in ("simple.json", "complete.json", "endorsement-valid.json", "simple_v1.json"):
        found.append((name, json.loads((SAMPLES / name).read_text(encoding="utf-8"))))
    return found


def _jsonschema_issues(name: str, relaxed: bool, document: dict[str, Any]) -> list[schema.SchemaIssue]:
    return schema._collect(schema._validator(name, relaxed), schema.normalize_compacted(document, name))


@pytest.mark.parametrize(("label", "document"), _samples(), ids=[label for label, _ in _samples()])
def test_the_compiled_schema_never_accepts_what_jsonschema_refuses(label: str, document: dict[str, Any]) -> None:
    name = schema._default_schema(document)
    assert name is not None
    relaxed = schema.vcdm_version(document) == "1.1"
    assert schema._fast_validator(name, relaxed) is not None, "the bundled schema compiles"
    compared = accepted = refused_by_both = 0
    for damaged in _damaged(document):
        issues = _jsonschema_issues(name, relaxed, damaged)
        conforms = schema._conforms(name, relaxed, schema.normalize_compacted(damaged, name))
        compared += 1
        if conforms:
            assert issues == [], (label, damaged, issues)
            accepted += 1
        elif issues:
            refused_by_both += 1
    # The damage reached the schema: many copies are refused, and many (values the schema leaves free) are not.
    assert refused_by_both > compared // 10
    assert accepted > compared // 10


def test_a_conforming_credential_is_decided_without_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    credential = open_badge_credential()
    schema.forget_kept_results()

    def refuse(*args: Any, **kwargs: Any) -> list[schema.SchemaIssue]:
        raise AssertionError("jsonschema was asked about a conforming credential")

    monkeypatch.setattr(schema, "_collect", refuse)
    result = schema.evaluate_schema(credential)
    assert result.ok and result.applied == [schema.ACHIEVEMENT]


def test_a_refused_credential_is_explained_by_jsonschema() -> None:
    credential = open_badge_credential()
    credential["validFrom"] = "yesterday"
    schema.forget_kept_results()
    assert [str(issue) for issue in schema.evaluate_schema(credential).issues] == [
        "validFrom: 'yesterday' is not a valid date-time"
    ]


def test_a_compacted_credential_conforms_after_normalization() -> None:
    # Single values where the schema wants arrays, as the OB serialization allows: the compiled schema refuses
    # the credential as it is and accepts its normalized copy, so jsonschema is not needed for it either.
    credential = open_badge_credential()
    credential["credentialSubject"]["identifier"] = credential["credentialSubject"]["identifier"][0]
    credential["credentialSubject"]["achievement"]["type"] = "Achievement"
    name = schema.ACHIEVEMENT
    assert not schema._conforms(name, False, credential)
    assert schema._conforms(name, False, schema.normalize_compacted(credential, name))
    schema.forget_kept_results()
    assert schema.evaluate_schema(credential).ok
