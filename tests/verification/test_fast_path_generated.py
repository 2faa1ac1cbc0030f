"""Generated credentials (hypothesis): the fast path and the reference path agree on every one.

Credentials follow the shapes the platform issues (badges/documents.py) and those of other OB 3.0
issuers (the samples): nested profiles with addresses and identifiers, many alignments, result
descriptions and results, evidence, embedded endorsements, numbers and booleans, every optional
field present or absent, with Unicode, C0 control characters, DEL and long texts everywhere a
string goes. 3 x 500 generated + 2 x 300 mutated + 150 signed = 2,250 examples.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.verification.test_fast_path_support import engine, installed, reference
from verification import fastrdf
from verification.canon import FastPathCanonicalizer, PyldCanonicalizer
from verification.errors import VerificationError
from verification.keys import DidKeyResolver, did_key_from_ed25519, ed25519_public_to_multibase
from verification.suites import DataIntegritySigner, eddsa_rdfc, verify_proofs
from verification.suites.base import ProofHashCache

VC2 = "https://www.w3.org/ns/credentials/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"
OB301 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"
OB302 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
OB303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"

CONTROLS = [chr(code) for code in (*range(0x20), 0x7F)]
CHARACTERS = st.one_of(
    st.characters(exclude_categories=["Cs"]),
    st.sampled_from(CONTROLS + ['"', "\\", "\u2028", "\ufeff", "é", "\U0001f600"]),
)
SHORT = st.text(CHARACTERS, max_size=24)
TEXT = st.one_of(
    SHORT,
    SHORT,
    st.text(CHARACTERS, max_size=100),
    # Long texts: a generated piece repeated (hypothesis draws long strings slowly).
    st.builds(lambda piece, times: piece * times, st.text(CHARACTERS, min_size=1, max_size=40), st.integers(20, 200)),
)
IRI_CHARACTERS = st.one_of(
    st.sampled_from("abcxyz0189-._~/?#[]@!$&'()*+,;=%<>\"{}|^`\\"),
    st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF),
)
IRI = st.one_of(
    st.builds(lambda path: "https://example.org/" + path, st.text(IRI_CHARACTERS, max_size=30)),
    st.builds(lambda n: f"urn:uuid:00000000-0000-4000-8000-{n:012d}", st.integers(0, 10**12 - 1)),
    st.sampled_from(
        ["did:web:badges.example.test:issuers:uni", "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"]
    ),
)
DATETIME = st.one_of(
    st.sampled_from(["2025-03-01T09:30:00Z", "2030-12-31T23:59:59+01:00", "2024-02-29T00:00:00.123Z"]), SHORT
)
NUMBER = st.one_of(
    st.integers(-(10**25), 10**25), st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0, 1.0, -0.0])
)


def optional(draw: Any, document: dict[str, Any], key: str, strategy: Any) -> None:
    if draw(st.booleans()):
        document[key] = draw(strategy)


@st.composite
def addresses(draw: Any) -> dict[str, Any]:
    address: dict[str, Any] = {"type": draw(st.sampled_from([["Address"], "Address"]))}
    for key in ("streetAddress", "addressLocality", "addressRegion", "postalCode", "addressCountry"):
        optional(draw, address, key, SHORT)
    optional(draw, address, "addressCountryCode", st.sampled_from(["NL", "US", "JP"]))
    return address


@st.composite
def profiles(draw: Any, depth: int = 0) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": draw(IRI), "type": draw(st.sampled_from([["Profile"], "Profile"]))}
    optional(draw, profile, "name", TEXT)
    optional(draw, profile, "url", IRI)
    optional(draw, profile, "email", SHORT)
    optional(draw, profile, "phone", SHORT)
    optional(draw, profile, "description", TEXT)
    optional(draw, profile, "image", st.builds(lambda iri: {"id": iri, "type": "Image"}, IRI))
    optional(draw, profile, "official", SHORT)
    optional(draw, profile, "address", addresses())
    optional(
        draw,
        profile,
        "otherIdentifier",
        st.lists(
            st.builds(
                lambda identifier, kind: {"type": "IdentifierEntry", "identifier": identifier, "identifierType": kind},
                SHORT,
                st.sampled_from(["sourcedId", "systemId", "ext:Custom"]),
            ),
            max_size=3,
        ),
    )
    if depth == 0:
        optional(draw, profile, "parentOrg", profiles(depth=1))
    return profile


@st.composite
def alignments(draw: Any) -> dict[str, Any]:
    alignment: dict[str, Any] = {"type": ["Alignment"], "targetName": draw(TEXT), "targetUrl": draw(IRI)}
    optional(draw, alignment, "targetDescription", TEXT)
    optional(draw, alignment, "targetFramework", SHORT)
    optional(draw, alignment, "targetCode", SHORT)
    optional(draw, alignment, "targetType", st.sampled_from(["ceasn:Competency", "CFItem", "ext:Other"]))
    return alignment


RESULT_TYPES = st.sampled_from(["Percent", "GradePointAverage", "LetterGrade", "Result", "ext:Custom"])


@st.composite
def result_descriptions(draw: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": draw(IRI),
        "type": ["ResultDescription"],
        "name": draw(TEXT),
        "resultType": draw(RESULT_TYPES),
    }
    for key in ("requiredValue", "valueMin", "valueMax"):
        optional(draw, item, key, SHORT)
    optional(draw, item, "allowedValue", st.lists(SHORT, max_size=4))
    return item


@st.composite
def achievements(draw: Any, ob: str = OB303) -> dict[str, Any]:
    criteria: dict[str, Any] = {}
    optional(draw, criteria, "id", IRI)
    optional(draw, criteria, "narrative", TEXT)
    achievement: dict[str, Any] = {
        "id": draw(IRI),
        "type": draw(st.sampled_from([["Achievement"], "Achievement"])),
        "achievementType": draw(st.sampled_from(["Badge", "Certificate", "Course", "ext:Micro"])),
        "name": draw(TEXT),
        "description": draw(TEXT),
        "criteria": criteria,
    }
    optional(
        draw,
        achievement,
        "image",
        st.builds(lambda iri, caption: {"id": iri, "type": "Image", "caption": caption}, IRI, SHORT),
    )
    optional(draw, achievement, "alignment", st.lists(alignments(), max_size=10))
    optional(draw, achievement, "tag", st.lists(SHORT, max_size=6))
    optional(draw, achievement, "creditsAvailable", NUMBER)
    # inLanguage is new in 3.0.3.
    for key in ("fieldOfStudy", "humanCode", "specialization", "version", *(["inLanguage"] if ob == OB303 else [])):
        optional(draw, achievement, key, SHORT)
    optional(draw, achievement, "resultDescription", st.lists(result_descriptions(), max_size=4))
    optional(draw, achievement, "creator", profiles())
    return achievement


@st.composite
def results(draw: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"type": ["Result"]}
    optional(draw, result, "resultDescription", IRI)
    optional(draw, result, "value", SHORT)
    optional(draw, result, "status", st.sampled_from(["Completed", "Enrolled", "ext:Paused"]))
    optional(draw, result, "achievedLevel", IRI)
    return result


@st.composite
def evidence(draw: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"type": ["Evidence"]}
    optional(draw, item, "id", IRI)
    for key in ("name", "genre", "audience", "narrative", "description"):
        optional(draw, item, key, TEXT)
    return item


@st.composite
def proofs(draw: Any) -> dict[str, Any]:
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": draw(st.sampled_from(["eddsa-rdfc-2022", "eddsa-2022"])),
        "verificationMethod": draw(IRI),
        "proofPurpose": "assertionMethod",
        "proofValue": "z" + draw(st.text("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", max_size=88)),
    }
    optional(draw, proof, "created", DATETIME)
    optional(draw, proof, "id", IRI)
    return proof


@st.composite
def endorsements(draw: Any, vc: str, ob: str) -> dict[str, Any]:
    """An embedded EndorsementCredential, with its own @context and usually a proof (a named graph)."""
    endorsement: dict[str, Any] = {
        "@context": draw(st.sampled_from([[vc, ob], [vc, ob, EXTENSIONS]])),
        "id": draw(IRI),
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": draw(TEXT),
        "issuer": draw(profiles()),
        ("issuanceDate" if vc == VC1 else "validFrom"): draw(DATETIME),
        "credentialSubject": {"id": draw(IRI), "type": ["EndorsementSubject"], "endorsementComment": draw(TEXT)},
    }
    optional(draw, endorsement, "proof", st.one_of(proofs(), st.lists(proofs(), min_size=1, max_size=2)))
    return endorsement


@st.composite
def credentials(draw: Any, ob: str | None = None) -> dict[str, Any]:
    with_extensions = draw(st.booleans())
    ob = ob or draw(st.sampled_from([OB303, OB302, OB301]))
    vc = VC1 if ob == OB301 else VC2
    subject: dict[str, Any] = {
        "type": draw(st.sampled_from([["AchievementSubject"], "AchievementSubject"])),
        "achievement": draw(achievements(ob)),
    }
    optional(draw, subject, "id", IRI)
    if draw(st.booleans()):
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": draw(SHORT),
                "identityType": draw(st.sampled_from(["emailAddress", "sourcedId", "ext:Other"])),
                "hashed": draw(st.booleans()),
                "salt": draw(SHORT),
            }
        ]
    optional(draw, subject, "name", TEXT)
    optional(draw, subject, "result", st.lists(results(), max_size=6))
    optional(draw, subject, "creditsEarned", NUMBER)
    document: dict[str, Any] = {
        # OB 3.0.1 goes with VCDM 1.1 (its protected terms clash with VCDM 2.0's).
        "@context": [vc, ob, EXTENSIONS] if with_extensions else [vc, ob],
        "id": draw(IRI),
        "type": ["VerifiableCredential", draw(st.sampled_from(["OpenBadgeCredential", "AchievementCredential"]))],
        "name": draw(TEXT),
        "issuer": draw(st.one_of(profiles(), IRI)),
        ("issuanceDate" if vc == VC1 else "validFrom"): draw(DATETIME),
        "credentialSubject": subject,
    }
    optional(draw, document, "description", TEXT)
    optional(draw, document, "expirationDate" if vc == VC1 else "validUntil", DATETIME)
    optional(draw, document, "evidence", st.lists(evidence(), max_size=4))
    optional(draw, document, "endorsement", st.lists(endorsements(vc, ob), max_size=2))
    if vc == VC2 and draw(st.booleans()):
        document["credentialStatus"] = {
            "id": draw(IRI),
            "type": "BitstringStatusListEntry",
            "statusPurpose": draw(st.sampled_from(["revocation", "suspension"])),
            "statusListIndex": str(draw(st.integers(0, 10**6))),
            "statusListCredential": draw(IRI),
        }
    if with_extensions and draw(st.booleans()):
        document["credentialSchema"] = [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}]
    return document


def _fast_outcome(document: dict[str, Any]) -> tuple[str, str]:
    """("ok", canonical N-Quads) or ("declined", reason); the fast path never raises otherwise."""
    try:
        return ("ok", fastrdf.fast_canonicalize(document))
    except fastrdf.Unsupported as declined:
        return ("declined", declined.reason)


def _check(document: dict[str, Any], *, valid: bool) -> None:
    expected = reference(document)
    fast = _fast_outcome(document)
    if fast[0] == "ok":
        assert fast == expected
        assert FastPathCanonicalizer().canonicalize(document) == fast[1]
    else:
        assert engine(document) == expected
        # A valid credential of these shapes is never declined.
        assert not (valid and expected[0] == "ok"), fast[1]


GENERATED = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


# Three runs of 500 (one per OB context revision), so that test workers share them.
@pytest.mark.parametrize("ob", [OB303, OB302, OB301])
@GENERATED
@given(data=st.data())
def test_generated_credentials_canonicalize_identically(ob: str, data: Any) -> None:
    _check(data.draw(credentials(ob=ob)), valid=True)


# ------------------------------------------------------------------------------------------------
# Mutations: what the reference path refuses, the fast path never accepts


def _nodes(value: Any) -> list[dict[str, Any]]:
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


MUTATIONS: list[tuple[str, Any]] = [
    ("undefined term", lambda node, draw: node.__setitem__(draw(st.sampled_from(["grade", "foo", "Name"])), "x")),
    ("keyword-like key", lambda node, draw: node.__setitem__("@grade", "x")),
    ("relative id", lambda node, draw: node.__setitem__("id", draw(st.sampled_from(["a/b", "#frag", "", "x y:z"])))),
    ("blank node id", lambda node, draw: node.__setitem__("id", "_:b0")),
    ("id not a string", lambda node, draw: node.__setitem__("id", draw(st.sampled_from([5, None, ["x"], {}])))),
    ("undefined type", lambda node, draw: node.__setitem__("type", ["UnknownType"])),
    ("type not a string", lambda node, draw: node.__setitem__("type", draw(st.sampled_from([5, [None], [], {}])))),
    (
        "keyword key",
        lambda node, draw: node.__setitem__(
            draw(
                st.sampled_from(
                    ["@id", "@type", "@value", "@graph", "@list", "@included", "@reverse", "@index", "@language"]
                )
            ),
            "x",
        ),
    ),
    (
        "value object",
        lambda node, draw: node.__setitem__(
            "name", {"@value": "x", "@language": draw(st.sampled_from(["en", "en us", ""]))}
        ),
    ),
    ("nested list", lambda node, draw: node.__setitem__("name", [["x"]])),
    ("empty object", lambda node, draw: node.__setitem__("name", {})),
    ("null", lambda node, draw: node.__setitem__(draw(st.sampled_from(["name", "id", "type", "description"])), None)),
    (
        "embedded context",
        lambda node, draw: node.__setitem__(
            "@context",
            draw(
                st.sampled_from(
                    [[VC2, OB303], [VC2], ["https://example.org/c"], {"x": "https://example.org/x"}, [OB303], VC1]
                )
            ),
        ),
    ),
    ("lone surrogate", lambda node, draw: node.__setitem__("name", "a\ud800b")),
    (
        "compact IRI",
        lambda node, draw: node.__setitem__(
            "id", draw(st.sampled_from(["xsd:string", "schema:name", "cred:x", "ob:x", "dc:title"]))
        ),
    ),
    ("number", lambda node, draw: node.__setitem__("name", draw(NUMBER))),
    (
        "boolean",
        lambda node, draw: node.__setitem__(
            draw(st.sampled_from(["name", "hashed", "creditsAvailable", "validFrom"])), draw(st.booleans())
        ),
    ),
    ("deep list", lambda node, draw: node.__setitem__("name", [{"type": "Profile"}, "x", 1, None])),
]

BAD_CONTEXTS = st.sampled_from(
    [
        [VC2, "https://example.org/context"],
        [VC2, {"@vocab": "https://example.org/"}],
        [VC2 + "/", OB303],
        [],
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        [OB303],
        [VC1, OB303],
        [VC2, OB303, EXTENSIONS, VC2],
        [VC2, OB303, EXTENSIONS, "https://w3id.org/security/data-integrity/v2"],
        [VC2, OB303, "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"],
        5,
    ]
)


@st.composite
def mutated(draw: Any) -> dict[str, Any]:
    document = draw(credentials())
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 9)) == 0:
            document["@context"] = draw(BAD_CONTEXTS)
            continue
        nodes = _nodes(document)
        node = nodes[draw(st.integers(0, len(nodes) - 1))]
        _name, mutate = draw(st.sampled_from(MUTATIONS))
        mutate(node, draw)
    return document


# Two runs of 300.
@pytest.mark.parametrize("run", [1, 2])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document=mutated())
def test_mutated_credentials_get_the_same_verdict(run: int, document: dict[str, Any]) -> None:
    _check(document, valid=False)


# ------------------------------------------------------------------------------------------------
# Signed by one path, verified by the other


def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


KEY = _key()
DID = did_key_from_ed25519(KEY.public_key())
VM = f"{DID}#{ed25519_public_to_multibase(KEY.public_key())}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(credentials())
def test_generated_credentials_sign_and_verify_across_paths(document: dict[str, Any]) -> None:
    document["issuer"] = {"id": DID, "type": ["Profile"], "name": "Issuer"}
    if reference(document)[0] != "ok":
        return
    outcomes: dict[str, tuple[Any, ...]] = {}
    for name, engine_ in (("fast", FastPathCanonicalizer()), ("reference", PyldCanonicalizer())):
        with installed(engine_):
            try:
                outcomes[name] = ("ok", DataIntegritySigner(KEY, VM, created="2025-03-01T09:30:00Z").sign(document))
            except VerificationError as error:  # e.g. VCDM 1.1 without a Data Integrity context
                outcomes[name] = ("error", type(error).__name__, error.message)
    assert outcomes["fast"] == outcomes["reference"]
    if outcomes["fast"][0] != "ok":
        return
    signed = {name: outcome[1] for name, outcome in outcomes.items()}
    original = eddsa_rdfc._PROOF_HASHES
    eddsa_rdfc._PROOF_HASHES = ProofHashCache(max_entries=0)
    try:
        for verifier in (PyldCanonicalizer(), FastPathCanonicalizer()):
            with installed(verifier):
                for which in ("fast", "reference"):
                    [result] = verify_proofs(signed[which], DidKeyResolver())
                    assert result.code == "proof_valid", (which, verifier.name, result)
    finally:
        eddsa_rdfc._PROOF_HASHES = original
