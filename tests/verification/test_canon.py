"""The four corrections verification.canon makes to stock pyld 3.3.0, each shown failing on stock
pyld first, plus the engine interface."""

from __future__ import annotations

import copy
import re
from typing import Any

import pyld
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld as stock_jsonld
from pyld.canon import URDNA2015

from tests.verification.credentials import open_badge_credential
from verification import canon, jsonld
from verification.canon import PyldCanonicalizer, canonicalize, escape_literal
from verification.errors import CanonicalizationError, JsonLdError

VC2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
NAME = "https://schema.org/name"


def stock_canonicalize(document: dict[str, Any]) -> str:
    """What pyld 3.3.0 produces on its own (with the same offline contexts)."""
    return stock_jsonld.normalize(
        copy.deepcopy(document),
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": jsonld.load_document},
    )


def named(value: str) -> dict[str, Any]:
    return {"@context": [VC2], "id": "urn:uuid:0b5e7f52-7d3c-4f0e-9a53-1c6b1f1d2e01", "name": value}


def name_line(escaped: str) -> str:
    return f'<urn:uuid:0b5e7f52-7d3c-4f0e-9a53-1c6b1f1d2e01> <{NAME}> "{escaped}" .\n'


def test_pyld_is_the_pinned_release() -> None:
    assert pyld.__about__.__version__ == "3.3.0"


# ------------------------------------------------------------------------------------------------
# (a) escaping of literals as RDFC-1.0 / RDF 1.2 canonical N-Quads


def test_a_form_feed_tab_and_u0001_canonicalize_to_the_right_bytes() -> None:
    document = {
        "@context": [VC2, OB303],
        "id": "urn:uuid:6c1a3f0e-2b7d-4c59-8e41-0f2d9b7a5c33",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://issuer.example/1", "type": ["Profile"], "name": "Issuer"},
        "validFrom": "2025-01-01T00:00:00Z",
        "name": "Page\fbreak\tand\x01control",
        "credentialSubject": {
            "id": "did:example:subject",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/achievements/1",
                "type": ["Achievement"],
                "name": "A",
                "description": "d",
                "criteria": {"narrative": "n"},
            },
        },
    }
    line = (
        "<urn:uuid:6c1a3f0e-2b7d-4c59-8e41-0f2d9b7a5c33> <https://schema.org/name> "
        '"Page\\fbreak\\tand\\u0001control" .\n'
    )
    assert line.encode() == (
        b"<urn:uuid:6c1a3f0e-2b7d-4c59-8e41-0f2d9b7a5c33> <https://schema.org/name> "
        b'"Page\\fbreak\\tand\\u0001control" .\n'
    )
    assert line in canonicalize(document)
    # Stock pyld writes the form feed and U+0001 raw, so its hash differs from every RDFC-1.0
    # implementation's.
    stock = stock_canonicalize(document)
    assert line not in stock
    assert '"Page\fbreak\\tand\x01control"' in stock


@pytest.mark.parametrize(
    ("char", "escaped"),
    [
        ('"', '\\"'),
        ("\\", "\\\\"),
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\b", "\\b"),
        ("\f", "\\f"),
        ("\x00", "\\u0000"),
        ("\x0b", "\\u000B"),
        ("\x1f", "\\u001F"),
        ("\x7f", "\\u007F"),
        ("\x80", "\x80"),
        ("\u2028", "\u2028"),
        ("é", "é"),
        ("\U0001f600", "\U0001f600"),
        ("'", "'"),
    ],
)
def test_a_each_special_character(char: str, escaped: str) -> None:
    assert canonicalize(named(f"x{char}y")) == name_line(f"x{escaped}y")


def test_a_iris_cannot_inject_n_quads() -> None:
    document = {"@context": [VC2], "id": 'https://example.org/a>"b', "name": "n"}
    assert canonicalize(document) == '<https://example.org/a\\u003E\\u0022b> <https://schema.org/name> "n" .\n'
    assert '<https://example.org/a>"b>' in stock_canonicalize(document)


def reference_escape(value: str) -> str:
    """Written from RDF 1.2 N-Triples §"Canonical form" (used by RDFC-1.0 §4.4): in literals,
    `"` `\\` LF CR as ECHAR; BS TAB FF as ECHAR; the other characters U+0000..U+001F and U+007F
    as UCHAR `\\u` with four upper-case hex digits; every other character as itself."""
    echar = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\t": "\\t", "\f": "\\f"}
    out = []
    for char in value:
        if char in echar:
            out.append(echar[char])
        elif ord(char) <= 0x1F or ord(char) == 0x7F:
            out.append("\\u" + format(ord(char), "04X"))
        else:
            out.append(char)
    return "".join(out)


def reference_unescape(text: str) -> str:
    echar = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "b": "\b", "t": "\t", "f": "\f"}
    return re.sub(
        r'\\(?:u([0-9A-F]{4})|([\\"nrbtf]))',
        lambda m: chr(int(m.group(1), 16)) if m.group(1) else echar[m.group(2)],
        text,
    )


CONTROLS = st.sampled_from([chr(code) for code in (*range(0x20), 0x7F)] + ['"', "\\"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.characters(exclude_categories=["Cs"]), CONTROLS), max_size=40).map("".join))
def test_a_random_unicode_round_trips(value: str) -> None:
    output = canonicalize(named(value))
    assert output == name_line(reference_escape(value))
    assert escape_literal(value) == reference_escape(value)
    literal = output.split(f"<{NAME}> ", 1)[1].rsplit(" .\n", 1)[0]
    assert reference_unescape(literal[1:-1]) == value


# ------------------------------------------------------------------------------------------------
# (b) relative type / id refused


def _schema_typed(with_extensions: bool) -> dict[str, Any]:
    document = open_badge_credential()
    if not with_extensions:
        document["@context"] = [VC2, OB303]
    return document


def test_b_relative_type_is_refused() -> None:
    document = _schema_typed(with_extensions=False)
    # Stock pyld invents an IRI for the undefined type from its default base.
    assert "<http://example.org/base/1EdTechJsonSchemaValidator2019>" in stock_canonicalize(document)
    with pytest.raises(JsonLdError, match="1EdTechJsonSchemaValidator2019"):
        canonicalize(document)
    # With the context that defines it, the type is an absolute IRI.
    assert "<https://purl.imsglobal.org/spec/vccs/v1p0/context.json#1EdTechJsonSchemaValidator2019>" in canonicalize(
        _schema_typed(with_extensions=True)
    )


def test_b_relative_id_is_refused() -> None:
    document = open_badge_credential()
    document["id"] = "credentials/3732"
    assert "<http://example.org/base/credentials/3732>" in stock_canonicalize(document)
    with pytest.raises(JsonLdError, match="credentials/3732"):
        canonicalize(document)


# ------------------------------------------------------------------------------------------------
# (c) undefined terms refused


def test_c_undefined_term_is_refused() -> None:
    document = open_badge_credential()
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["achievement"]["grade"] = "A+"
    # Stock pyld drops the term silently: the signature would not cover it.
    assert stock_canonicalize(tampered) == stock_canonicalize(document)
    with pytest.raises(JsonLdError, match="'grade'"):
        canonicalize(tampered)


# ------------------------------------------------------------------------------------------------
# (d) work limit against dataset poisoning


def poison_clique(size: int) -> dict[str, Any]:
    """`size` blank nodes, each linked to every other: none can be told apart by its neighbours,
    so Hash N-Degree Quads explores every permutation (the RDFC-1.0 "dataset poisoning" shape)."""
    return {
        "@context": {"link": {"@id": "https://example.org/link", "@type": "@id"}},
        "@graph": [{"@id": f"_:n{i}", "link": [f"_:n{j}" for j in range(size) if j != i]} for i in range(size)],
    }


class _Abort(Exception):
    pass


class _CountingStock(URDNA2015):
    """Stock pyld URDNA2015, stopped after `limit` Hash N-Degree Quads runs."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.calls = 0
        self.limit = limit

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self.calls += 1
        if self.calls > self.limit:
            raise _Abort
        return super().hash_n_degree_quads(id_, issuer)


def test_d_poison_dataset_is_rejected() -> None:
    document = poison_clique(10)
    dataset = jsonld.to_rdf(document)
    assert sum(len(triples) for triples in dataset.values()) == 90
    # Stock pyld has no limit: it is still going after 2,000 deep iterations (unbounded, it runs for
    # hours: 9! permutations per node, recursively).
    stock = _CountingStock(limit=2_000)
    with pytest.raises(_Abort):
        stock.main(jsonld.to_rdf(document), {"format": "application/n-quads"})
    with pytest.raises(CanonicalizationError) as caught:
        canonicalize(document)
    assert caught.value.code == "canonicalization_limit"
    assert "dataset-poisoning" in caught.value.message


def test_d_budget_is_rdf_canonize_max_work_factor() -> None:
    # Two identical alignments: two blank nodes share a first-degree hash, so the budget is 2**factor.
    document = open_badge_credential()
    alignments = document["credentialSubject"]["achievement"]["alignment"]
    alignments.append(copy.deepcopy(alignments[0]))
    assert canonicalize(document)
    with pytest.raises(CanonicalizationError):
        PyldCanonicalizer(max_work_factor=0).canonicalize(document)
    assert PyldCanonicalizer(max_work_factor=float("inf")).canonicalize(document) == canonicalize(document)


def test_d_normal_credentials_with_many_blank_nodes_stay_under_the_limit() -> None:
    document = open_badge_credential()
    achievement = document["credentialSubject"]["achievement"]
    achievement["alignment"] = [
        {"type": ["Alignment"], "targetName": f"Skill {i}", "targetUrl": f"https://esco.example.org/skill/{i}"}
        for i in range(40)
    ]
    # Identical entries are legal and common (copy-pasted alignments and evidence).
    achievement["alignment"] += copy.deepcopy(achievement["alignment"][:5])
    document["credentialSubject"]["result"] = [
        {"type": ["Result"], "resultDescription": "urn:uuid:9a1f6e2c-3b7d-4e58-8c0f-5d2e7a4b6c13", "value": str(i)}
        for i in range(15)
    ] + [{"type": ["Result"], "value": "pass"}] * 3
    document["evidence"] = [
        {"type": ["Evidence"], "name": f"Piece {i}", "narrative": "Reviewed by the assessor."} for i in range(20)
    ] + [{"type": ["Evidence"], "name": "Same", "narrative": "Same"}] * 4
    output = canonicalize(document)
    assert output.count("_:c14n") > 100
    assert stock_canonicalize(document) == output  # no special characters: same bytes as stock


# ------------------------------------------------------------------------------------------------
# Engine interface


def test_another_engine_can_be_installed_and_restored() -> None:
    calls: list[str] = []

    class Recording:
        name = "recording"

        def canonicalize(self, document: Any) -> str:
            calls.append(document.get("id", ""))
            return PyldCanonicalizer().canonicalize(document)

    previous = canon.set_canonicalizer(Recording())
    try:
        assert canonicalize(named("x")) == name_line("x")
        assert canon.get_canonicalizer().name == "recording"
    finally:
        canon.set_canonicalizer(previous)
    assert calls == ["urn:uuid:0b5e7f52-7d3c-4f0e-9a53-1c6b1f1d2e01"]
    assert canon.get_canonicalizer() is previous
    with pytest.raises(TypeError):
        canon.set_canonicalizer(object())  # type: ignore[arg-type]
