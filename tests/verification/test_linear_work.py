"""Canonicalization is linear in the number of values of one property (a 100,000-tag credential once took
over two minutes: both paths compared each value with every earlier one).

* The reference path's node map de-duplicates through a hash index (verification.pyld_adapter._add_value): the
  same node map as pyld's own quadratic comparison, value for value and in the same order, for values that
  pyld's `compare_values` treats subtly (1 and 1.0 equal, 1 and true not, @json literals, languages, @index).
* The fast path keeps a set beside a property's objects once it has 16 (fastrdf_nodes.Builder.add); large
  documents still canonicalize exactly as the reference path does.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld as stock_jsonld
from pyld.identifier_issuer import IdentifierIssuer

from tests.verification.credentials import open_badge_credential
from verification import fastrdf, jsonld, pyld_adapter
from verification.canon import PyldCanonicalizer

XSD = "http://www.w3.org/2001/XMLSchema#"
SCALARS = st.sampled_from([0, 1, 1.0, 2, True, False, "1", "true", "", "a", "A", 1.5, -0.0, 0.0])
JSON_DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("ab"), inner, max_size=2),
    max_leaves=4,
)
IRIS = st.sampled_from(["https://example.org/a", "https://example.org/b", "urn:x:1", "_:n1", "_:n2"])


def _value(draw: Any) -> dict[str, Any]:
    kind = draw(st.sampled_from(["plain", "typed", "language", "json", "indexed"]))
    if kind == "json":
        return {"@value": draw(JSON_DATA), "@type": "@json"}
    if kind == "language":
        return {"@value": draw(st.sampled_from(["a", "A", "1"])), "@language": draw(st.sampled_from(["en", "de"]))}
    literal = draw(SCALARS)
    item: dict[str, Any] = {"@value": literal}
    if kind == "typed" and isinstance(literal, str):
        item["@type"] = XSD + draw(st.sampled_from(["string", "token"]))
    if kind == "indexed":
        item["@index"] = draw(st.sampled_from(["i", "j"]))
    return item


@st.composite
def expanded_values(draw: Any, depth: int = 0) -> list[Any]:
    values = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["value", "value", "reference", "node", "list"] if depth < 2 else ["value"]))
        if kind == "value":
            values.append(_value(draw))
        elif kind == "reference":
            values.append({"@id": draw(IRIS)})
        elif kind == "node":
            values.append(draw(expanded_node(depth + 1)))
        else:
            values.append({"@list": [_value(draw) for _ in range(draw(st.integers(0, 3)))]})
    return values


@st.composite
def expanded_node(draw: Any, depth: int = 0) -> dict[str, Any]:
    node: dict[str, Any] = {}
    if draw(st.booleans()):
        node["@id"] = draw(IRIS)
    types = draw(st.lists(st.sampled_from(["https://example.org/T", "https://example.org/U"]), max_size=4))
    if types:
        node["@type"] = types
    for name in draw(st.lists(st.sampled_from("pqr"), min_size=1, max_size=3, unique=True)):
        node[f"https://example.org/{name}"] = draw(expanded_values(depth))
    return node


def _pyld_dataset(expanded: list[Any]) -> jsonld.Dataset:
    """The dataset with pyld's own add_value doing the de-duplication (no index installed)."""
    processor = pyld_adapter._SafeProcessor()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    options = {"produceGeneralizedRdf": False, "processingMode": "json-ld-1.1", "rdfDirection": None}
    return {name: processor._graph_to_rdf(graph, issuer, options) for name, graph in sorted(node_map.items())}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(expanded_node(), min_size=1, max_size=4))
def test_indexed_node_map_equals_pyld(nodes: list[dict[str, Any]]) -> None:
    # Nodes sharing an @id merge, so values meet each other across nodes as well as within one. The index
    # takes over from pyld's scan at _SCAN_LIMIT values; lower limits put every generated value through it,
    # and through the hand-over from a list pyld built.
    expected = _pyld_dataset(copy.deepcopy(nodes))
    for scan_limit in (0, 2, pyld_adapter._SCAN_LIMIT):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(pyld_adapter, "_SCAN_LIMIT", scan_limit)
            assert pyld_adapter.dataset(copy.deepcopy(nodes)) == expected, scan_limit


def test_duplicate_free_lists_cost_no_comparisons(monkeypatch) -> None:
    """10,000 distinct tags: pyld compared each with every earlier one (50 million comparisons, about 30 s);
    with the index, only the first few values of a property are compared, as pyld does."""
    calls = 0
    original = stock_jsonld.JsonLdProcessor.compare_values

    def counted(first: Any, second: Any) -> bool:
        nonlocal calls
        calls += 1
        return original(first, second)

    monkeypatch.setattr(stock_jsonld.JsonLdProcessor, "compare_values", staticmethod(counted))
    document = open_badge_credential()
    document["credentialSubject"]["achievement"]["tag"] = [f"tag {number}" for number in range(10_000)]
    dataset = jsonld.to_rdf(document)
    tags = [triple for triple in dataset["@default"] if triple["predicate"]["value"] == "https://schema.org/keywords"]
    assert len(tags) == 10_000
    assert calls < 1_000


def test_pyld_add_value_is_unchanged_outside_a_node_map() -> None:
    # Outside `dataset`, every call is pyld's own: duplicates compared by scanning, as pyld documents.
    subject: dict[str, Any] = {}
    options = {"propertyIsArray": True, "allowDuplicate": False}
    for value in ({"@value": 1}, {"@value": 1.0}, {"@value": True}, {"@id": "urn:x"}, {"@id": "urn:x"}):
        stock_jsonld.JsonLdProcessor.add_value(subject, "p", value, dict(options))
    assert subject["p"] == [{"@value": 1}, {"@value": True}, {"@id": "urn:x"}]


def _large(kind: str, count: int) -> dict[str, Any]:
    document = open_badge_credential()
    achievement = document["credentialSubject"]["achievement"]
    if kind == "distinct tags":
        achievement["tag"] = [f"tag {number}" for number in range(count)]
    elif kind == "repeated tags":
        achievement["tag"] = ["tag", "Tag", "tag"] * (count // 3)
    elif kind == "distinct alignments":
        template = achievement["alignment"][0]
        achievement["alignment"] = [{**template, "targetCode": f"S{number}"} for number in range(count)]
    else:  # identical alignments: blank nodes that share a first-degree hash (Hash N-Degree Quads)
        achievement["alignment"] = [copy.deepcopy(achievement["alignment"][0]) for _ in range(count)]
    return document


@pytest.mark.parametrize(
    ("kind", "count"),
    [
        ("distinct tags", 10_000),
        ("repeated tags", 9_000),
        ("distinct alignments", 2_000),
        ("identical alignments", 500),
    ],
)
def test_large_documents_take_the_fast_path_and_agree(kind: str, count: int) -> None:
    document = _large(kind, count)
    assert fastrdf.fast_canonicalize(copy.deepcopy(document)) == PyldCanonicalizer().canonicalize(document)
