"""Offline document loader and safe-mode JSON-LD processing."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest
from pyld import jsonld as stock_jsonld

from tests.verification.credentials import open_badge_credential
from verification import jsonld, pyld_adapter
from verification.errors import ContextError, InputError, JsonLdError

VC2 = "https://www.w3.org/ns/credentials/v2"


def test_sources_md_lists_every_bundled_file_with_its_digest() -> None:
    # The digests and upstream sources are checked in tests/test_data_provenance.py (PROVENANCE.md);
    # SOURCES.md says which URL each file is served for, and must not lose a file either.
    sources = (jsonld.CONTEXT_DIR / "SOURCES.md").read_text(encoding="utf-8")
    bundled = sorted(path for path in jsonld.CONTEXT_DIR.iterdir() if path.name != "SOURCES.md")
    source_lines = [line for line in sources.splitlines() if line.startswith("- `contexts/")]
    assert len(source_lines) == len(bundled)
    for path in bundled:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"- `contexts/{path.name}` — " in sources and f"sha256 `{digest}`" in sources, path.name
    for url, name in jsonld.CONTEXT_FILES.items():
        assert f"`{url}`" in sources and f"`{name}`" in sources


@pytest.mark.parametrize("url", sorted(jsonld.CONTEXT_FILES))
def test_every_allow_listed_url_loads_tagged_static(url: str) -> None:
    remote = jsonld.load_document(url)
    assert remote["documentUrl"] == url
    assert remote["tag"] == "static"
    assert isinstance(remote["document"]["@context"], dict)
    file_bytes = (jsonld.CONTEXT_DIR / jsonld.CONTEXT_FILES[url]).read_bytes()
    assert remote["document"] == json.loads(file_bytes)


def test_context_3_0_3_is_the_current_revision() -> None:
    name = jsonld.CONTEXT_FILES["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    digest = hashlib.sha256((jsonld.CONTEXT_DIR / name).read_bytes()).hexdigest()
    assert digest == "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84"
    terms = jsonld.load_context("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")["@context"]
    assert "jti" in json.dumps(terms) and "endorsementJwt" in json.dumps(terms)


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/context.json",
        "http://www.w3.org/ns/credentials/v2",  # lookalike: other scheme
        "https://www.w3.org/ns/credentials/v2/",  # lookalike: trailing slash
        "https://w3id.org/citizenship/v4rc1",
        "context.json",
    ],
)
def test_any_other_url_is_refused_naming_it(url: str) -> None:
    with pytest.raises(ContextError, match=url.replace(".", r"\.")):
        jsonld.load_document(url)
    with pytest.raises(ContextError, match=url.replace(".", r"\.")) as caught:
        jsonld.expand({"@context": [url], "name": "x"})
    assert caught.value.code == "unknown_context"


def test_loaded_documents_cannot_corrupt_the_cache() -> None:
    url = VC2
    first = jsonld.load_document(url)["document"]
    first["@context"]["name"] = "https://evil.example/name"
    first["@context"].clear()
    assert jsonld.load_document(url)["document"]["@context"]["name"]
    assert jsonld.load_context(url) == jsonld.load_context(url)
    assert jsonld.load_context(url) is not jsonld.load_context(url)
    # And processing still yields the real mapping.
    expanded = jsonld.expand({"@context": [url], "id": "urn:x", "name": "n"})
    assert "https://schema.org/name" in expanded[0]


def test_loader_works_with_stock_pyld() -> None:
    expanded = stock_jsonld.expand(
        {"@context": [VC2], "id": "urn:x", "name": "n"}, {"documentLoader": jsonld.load_document}
    )
    assert expanded[0]["https://schema.org/name"] == [{"@value": "n"}]


def test_expand_does_not_touch_the_input() -> None:
    document = open_badge_credential()
    before = copy.deepcopy(document)
    jsonld.expand(document)
    jsonld.to_rdf(document)
    assert document == before


def test_repeated_processing_is_stable() -> None:
    document = open_badge_credential()
    first = jsonld.to_rdf(document)
    for _ in range(3):
        assert jsonld.to_rdf(document) == first


# ------------------------------------------------------------------------------------------------
# Safe mode


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ({"@context": [VC2], "id": "urn:x", "favouriteColour": "red"}, "'favouriteColour'"),
        ({"@context": [VC2], "id": "urn:x", "type": "CustomType", "name": "n"}, "'CustomType'"),
        ({"@context": [VC2], "id": "relative/path", "name": "n"}, "'relative/path'"),
        ({"@context": [VC2], "id": "https://example.org/a b", "name": "n"}, "relative IRI"),
        ({"@context": [VC2], "id": "urn:x", "@foo": "n"}, "'@foo'"),
        (
            {"@context": [{"p": {"@id": "https://example.org/p", "@type": "@id"}}], "@id": "urn:x", "p": "rel"},
            "'rel'",
        ),
        ({"@context": [{"p": "_:blank"}], "@id": "urn:x", "p": "v"}, "blank node"),
        ({"@context": [VC2], "id": "urn:x", "name": {"@value": "n", "@language": "en us"}}, "language tag"),
        ({"@context": [VC2], "id": "urn:x", "name": {"@value": "n", "@direction": "rtl"}}, "@direction"),
        ({"@context": [VC2], "id": "urn:x", "name": {"@value": None}}, "drop"),
        ({"@context": [VC2], "@graph": ["free-floating"]}, "drop"),
        ({"@context": [VC2], "id": "urn:x"}, "drop"),
        ({"@context": [VC2], "id": "urn:x", "name": {"@value": "n", "@type": "notAnIri"}}, "invalid typed value"),
    ],
)
def test_safe_mode_refuses(document: dict[str, Any], fragment: str) -> None:
    with pytest.raises(JsonLdError, match=fragment) as caught:
        jsonld.to_rdf(document)
    assert caught.value.code == "jsonld_error"


def test_inline_contexts_are_processed_but_not_cached_across_operations() -> None:
    document = {"@context": [VC2, {"colour": "https://example.org/colour"}], "id": "urn:x", "colour": "red"}
    dataset = jsonld.to_rdf(document)
    assert dataset["@default"][0]["predicate"]["value"] == "https://example.org/colour"
    assert all(key in jsonld.CONTEXT_FILES for key in pyld_adapter._SHARED_CONTEXT_CACHE)


def test_malformed_inline_context_is_a_context_error() -> None:
    document = {"@context": [{"p": {"@id": "https://example.org/p", "@type": "not absolute"}}], "p": "v"}
    with pytest.raises(ContextError, match="invalid type mapping"):
        jsonld.expand(document)


def test_protected_terms_cannot_be_redefined() -> None:
    document = {"@context": [VC2, {"name": "https://evil.example/name"}], "id": "urn:x", "name": "n"}
    with pytest.raises(ContextError, match="protected"):
        jsonld.expand(document)


# ------------------------------------------------------------------------------------------------
# Malformed contexts and term definitions: a refusal with a code, never an exception of pyld's


def _predicates(document: dict[str, Any]) -> list[str]:
    return [triple["predicate"]["value"] for triple in jsonld.to_rdf(document)["@default"]]


@pytest.mark.parametrize("keyword", ["@vocab", "@language", "@direction"])
@pytest.mark.parametrize("where", ["first", "after VC 2.0", "in a scoped context"])
def test_a_null_default_resets_it_even_when_none_was_set(keyword: str, where: str) -> None:
    # pyld 3.3.0 raised KeyError on each of these; JSON-LD 1.1 makes them no-ops when nothing was set.
    reset = {keyword: None}
    context: list[Any] = {
        "first": [reset, VC2],
        "after VC 2.0": [VC2, reset],
        "in a scoped context": [VC2, {"note": {"@id": "https://example.org/note", "@context": reset}}],
    }[where]
    document = {"@context": context, "id": "urn:x", "name": "n"}
    assert _predicates(document) == ["https://schema.org/name"]


def test_a_null_vocab_removes_the_vocabulary_so_undefined_terms_are_refused() -> None:
    vocabulary = {"@vocab": "https://example.org/vocab#"}
    document = {"@context": [VC2, vocabulary], "id": "urn:x", "colour": "red"}
    assert _predicates(document) == ["https://example.org/vocab#colour"]
    # The VC Data Model 2.0 test of this shape: with the vocabulary removed, an undefined type is not silently kept.
    document = {"@context": [VC2, vocabulary, {"@vocab": None}], "id": "urn:x", "type": "ExampleTestCredential"}
    with pytest.raises(JsonLdError, match="'ExampleTestCredential' is not defined") as caught:
        jsonld.expand(document)
    assert caught.value.code == "jsonld_error"


@pytest.mark.parametrize(
    ("context", "fragment"),
    [
        ({"@protected": "yes"}, "@protected must be true or false"),
        ({"p": {"@id": "https://example.org/p", "@protected": 1}}, "'p' has an @protected"),
        ({"p": {"@id": "https://example.org/p", "@context": {"@protected": "no"}}}, "@protected must be true or false"),
        ({"@type": {"@id": "https://example.org/type"}}, "keyword redefinition"),
        ({"@type": "https://example.org/type"}, "keyword redefinition"),
        ({"@type": {"@container": "@list"}}, "keyword redefinition"),
        ({"p": {"@id": 5}}, "@id value must be a string"),
        ({"p": {"@id": ["https://example.org/p"]}}, "@id value must be a string"),
        ({"p": True}, "invalid term definition"),
        ({"a": "b:x", "b": "a:y"}, "cyclic IRI mapping"),
        ({"@vocab": 3}, "invalid vocab mapping"),
        ({"@version": 1.0}, "invalid @version value"),
        ({"@propagate": "no"}, "invalid @propagate value"),
        ({"@import": 3}, "invalid @import value"),
        ({"p": {"@id": "https://example.org/p", "@context": 7}}, "invalid scoped context"),
    ],
)
def test_a_malformed_context_is_refused_as_context_malformed(context: dict[str, Any], fragment: str) -> None:
    document = {"@context": [VC2, context], "id": "urn:x", "name": "n"}
    with pytest.raises(ContextError, match=fragment) as caught:
        jsonld.expand(document)
    assert caught.value.code == "context_malformed"
    assert caught.value.message.startswith("The @context is not valid JSON-LD")


@pytest.mark.parametrize("context", [7, True, "not-a-url", [[VC2]], [VC2, 3], {"@context": VC2}])
def test_a_context_of_the_wrong_type_is_refused(context: Any) -> None:
    with pytest.raises(ContextError) as caught:
        jsonld.expand({"@context": context, "id": "urn:x", "name": "n"})
    # A string is read as a URL (never fetched); anything else is not a context at all.
    assert caught.value.code == ("unknown_context" if context == "not-a-url" else "context_malformed")


def test_a_protected_term_redefinition_is_context_malformed() -> None:
    document = {"@context": [VC2, {"name": "https://evil.example/name"}], "id": "urn:x", "name": "n"}
    with pytest.raises(ContextError, match="protected term redefinition") as caught:
        jsonld.expand(document)
    assert caught.value.code == "context_malformed"


def test_a_default_direction_is_refused_as_unsignable() -> None:
    document = {"@context": [VC2, {"@direction": "rtl"}], "id": "urn:x", "name": "n"}
    with pytest.raises(JsonLdError, match="default text direction") as caught:
        jsonld.expand(document)
    assert caught.value.code == "jsonld_error"


def test_an_unforeseen_failure_is_refused_in_words_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    translated = jsonld._translate(KeyError("@vocab"))
    assert isinstance(translated, JsonLdError)
    assert translated.message == (
        "The document's JSON-LD could not be processed: its @context or its terms are not usable."
    )
    assert "KeyError" not in translated.message
    assert [record.exc_info[0] for record in caplog.records if record.exc_info] == [KeyError]


# ------------------------------------------------------------------------------------------------
# Input checks before pyld


def nested(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {"@context": [VC2], "id": "urn:x"}
    node = root
    for _ in range(depth - 1):
        child: dict[str, Any] = {}
        node["description"] = child
        node = child
    return root


def test_nesting_limit() -> None:
    assert jsonld.check_document(nested(jsonld.MAX_DEPTH))
    with pytest.raises(InputError, match="nested more than 64"):
        jsonld.check_document(nested(jsonld.MAX_DEPTH + 1))


def test_value_limit() -> None:
    document = {"@context": [VC2], "id": "urn:x", "description": ["v"] * 100}
    assert jsonld.check_document(document, max_values=110)
    with pytest.raises(InputError, match="more than 99 JSON values"):
        jsonld.check_document(document, max_values=99)


def test_ten_thousand_levels_never_reach_pyld() -> None:
    document: dict[str, Any] = {}
    node = document
    for _ in range(10_000):
        node["a"] = [{}]
        node = node["a"][0]
    with pytest.raises(InputError) as caught:
        jsonld.to_rdf(document)
    assert caught.value.code == "invalid_input"


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), b"bytes", {1: "non-string key"}, object(), "\ud800", {"\udfff": 1}],
)
def test_non_json_values_are_refused(value: Any) -> None:
    with pytest.raises(InputError):
        jsonld.check_document({"@context": [VC2], "name": value})


def test_only_objects_are_documents() -> None:
    value: Any
    for value in (None, [], "x", 1):
        with pytest.raises(InputError):
            jsonld.expand(value)
