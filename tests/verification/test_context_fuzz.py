"""Generated @context shapes (hypothesis): whatever contexts a credential carries — malformed term definitions,
nulls, protected terms redefined, non-string `@id`s, cycles, unknown or relative URLs, contexts of the wrong type,
at the top, appended or inside a node — the verifier answers with a report or a refusal in words: never an
exception, never an `internal` check, never a Python error's name in a message, never a 500 from the API or the
verify page. What still verifies must have kept the meaning that was signed, and what the signer accepts, the
verifier verifies. About 15 s in all (150 + 150 + 30 + 15 examples)."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import badges.verify
from tests.public.test_verify_page import OfflineClient
from tests.verification import hostile
from verification import canon
from verification.errors import FetchError, InputError, VerificationError
from verification.keys import DidKeyResolver
from verification.report import Report
from verification.service import verify
from verification.suites import DataIntegritySigner, verify_proofs

NOW = datetime(2026, 1, 15, tzinfo=UTC)
VC2 = "https://www.w3.org/ns/credentials/v2"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SIGNED = hostile.signed(hostile.credential())
CANONICAL = canon.canonicalize({key: value for key, value in SIGNED.items() if key != "proof"})

# A Python exception's name or a traceback in a message means an error escaped its translation into words; the
# JSON-LD layer's last-resort sentence means pyld failed in a way nobody foresaw (verification.jsonld._translate).
LEAK = re.compile(
    r"Traceback|\b(Key|Type|Attribute|Index|Value|Recursion|Assertion|Runtime|Lookup)Error\b"
    r"|its @context or its terms are not usable"
)
# pyld warns about a term mapped to a keyword-like value such as "@foo" (and ignores the term, as JSON-LD says).
pytestmark = pytest.mark.filterwarnings("ignore:values beginning with:SyntaxWarning")
# What the proof check may say about a document whose contexts were changed after signing (docs/verification.md).
PROOF_CODES = {
    "proof_valid",
    "proof_invalid",
    "invalid_input",
    "unknown_context",
    "context_malformed",
    "jsonld_error",
    "canonicalization_limit",
    "too_complex",
}

KEYS = [
    *("@vocab", "@language", "@direction", "@base", "@protected", "@propagate", "@version", "@import", "@type"),
    *("@context", "@id", "@container", "@reverse", "@nest", "@index", "@json", "@none", "@set", "@list", "@graph"),
    *("name", "description", "issuer", "type", "id", "credentialSubject", "achievement", "proof", "colour", "a", "b"),
]
STRINGS = st.sampled_from(
    [
        "https://example.org/vocab#",
        "https://example.org/colour",
        "a:b",
        "b:a",
        "_:b0",
        "relative",
        "",
        "en",
        "rtl",
        *("@id", "@type", "@vocab", "@set", "@list", "@graph", "@language", "@json", "@none", "@foo"),
        VC2,
        OB303,
        "https://www.w3.org/2018/credentials/v1",
        "https://unknown.example/context.jsonld",
        "context.jsonld",
    ]
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.sampled_from([1.1, 1.0, 0.5]), STRINGS)
DEFINITIONS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    ),
    max_leaves=14,
)
CONTEXTS = st.one_of(
    DEFINITIONS,
    st.lists(st.one_of(st.sampled_from([VC2, OB303]), DEFINITIONS), min_size=1, max_size=4),
)
PLACES = st.sampled_from(["replaced", "appended", "in the subject"])


def _with(context: Any, place: str) -> dict[str, Any]:
    document = copy.deepcopy(SIGNED)
    if place == "replaced":
        document["@context"] = context
    elif place == "appended":
        document["@context"] = [*document["@context"], *(context if isinstance(context, list) else [context])]
    else:
        document["credentialSubject"]["@context"] = context
    return document


class NoStatusSource:
    def get(self, url: str) -> dict[str, Any]:
        raise FetchError(f"No network in the test environment ({url}).")


def _verify(document: dict[str, Any]) -> Report | InputError:
    try:
        return verify(document, resolver=DidKeyResolver(), status_source=NoStatusSource(), now=NOW)
    except InputError as refused:
        return refused


def _assert_answered_in_words(outcome: Report | InputError, document: dict[str, Any]) -> None:
    if isinstance(outcome, InputError):
        assert outcome.message and not LEAK.search(outcome.message), outcome.message
        return
    for check in outcome.checks:
        assert check.code != "internal", check
        assert check.message and not LEAK.search(check.message), check
    proof = outcome.check("proof")
    assert proof is not None and proof.code in PROOF_CODES, proof
    if outcome.verdict == "valid":
        # A context changed after signing may only leave a credential valid when it changed nothing signed.
        unsecured = {key: value for key, value in document.items() if key != "proof"}
        assert canon.canonicalize(unsecured) == CANONICAL


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(context=CONTEXTS, place=PLACES)
def test_any_context_gets_a_report_or_a_refusal_in_words(context: Any, place: str) -> None:
    document = _with(context, place)
    _assert_answered_in_words(_verify(document), document)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(context=CONTEXTS, place=PLACES)
def test_what_the_signer_accepts_the_verifier_verifies(context: Any, place: str) -> None:
    unsigned = _with(context, place)
    del unsigned["proof"]
    signer = DataIntegritySigner(hostile.KEY, hostile.VERIFICATION_METHOD, created="2026-01-01T00:00:00Z")
    refusal: VerificationError | None = None
    try:
        secured = signer.sign(unsigned)
    except VerificationError as refused:  # the signer's refusals are the verifier's errors, with their codes
        refusal = refused
    if refusal is not None:
        assert refusal.message and not LEAK.search(refusal.message), refusal.message
        return
    [result] = verify_proofs(secured, DidKeyResolver())
    assert (result.verified, result.code) == (True, "proof_valid"), result.message


# --------------------------------------------------------------------------------------------------------------
# The same through POST /api/v1/verify and the verify page: a report, or 400 / 413 in words, never a 500

API = "/api/v1/verify"
_addresses = count(1)


def _address() -> str:
    # Each example from its own address: the verify rate limit (60 a minute) is not what is tested here.
    number = next(_addresses)
    return f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


@pytest.mark.django_db
@pytest.mark.usefixtures("offline")
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(context=CONTEXTS, place=PLACES)
def test_the_verify_api_answers_every_context(client: Any, context: Any, place: str) -> None:
    body = json.dumps(_with(context, place))
    response = client.generic("POST", API, body, content_type="application/json", REMOTE_ADDR=_address())
    assert response.status_code in (200, 400, 413), response.content[:500]
    answer = response.json()
    if response.status_code == 200:
        assert answer["verdict"] in ("valid", "invalid", "indeterminate")
        for check in answer["checks"]:
            assert check["code"] != "internal", check
            assert not LEAK.search(check["message"]), check
    else:
        assert response["Content-Type"] == "application/problem+json"
        assert answer["detail"] and not LEAK.search(answer["detail"])


@pytest.mark.django_db
@pytest.mark.usefixtures("offline")
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(context=CONTEXTS, place=PLACES)
def test_the_verify_page_answers_every_context(client: Any, context: Any, place: str) -> None:
    response = client.post("/verify", {"credential": json.dumps(_with(context, place))}, REMOTE_ADDR=_address())
    assert response.status_code in (200, 400), response.content[:500]
    assert not LEAK.search(response.content.decode())


# --------------------------------------------------------------------------------------------------------------
# Large contexts: processed within the input limits, refused beyond them


@pytest.mark.parametrize("place", ["appended", "in the subject"])
def test_a_large_context_within_the_limits_is_processed(place: str) -> None:
    # 30,000 unused terms change nothing signed: the credential stays valid. An ample budget, so that a loaded
    # machine does not turn the answer into too_complex (which the default budget of 3 s would, and rightly).
    document = _with({f"term{number}": f"https://example.org/terms#{number}" for number in range(30_000)}, place)
    report = verify(document, resolver=DidKeyResolver(), status_source=NoStatusSource(), now=NOW, time_budget=60)
    assert report.verdict == "valid", report.to_dict()


def test_a_context_over_the_value_limit_is_refused_before_any_processing() -> None:
    document = _with({f"term{number}": f"https://example.org/terms#{number}" for number in range(150_000)}, "appended")
    outcome = _verify(document)
    assert isinstance(outcome, InputError)
    assert "100,000 values" in outcome.message
