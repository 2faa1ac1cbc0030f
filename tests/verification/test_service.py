"""The verify service end to end: every 1EdTech sample gets the verdict its INDEX.md states, offline.

Keys come from did:key or, for `https://…#z6Mk…` / `did:web:…#z6Mk…` methods whose documents cannot be
fetched (there is no network), from the URL fragment — the 1EdTech validator's convention — which the
report flags as a warning. `now` is fixed to 2026-11-26.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.paths import SAMPLES  # noqa: E402
from verification.baking import bake_png, bake_svg
from verification.errors import FetchError, InputError
from verification.jwt import encode_vc_jwt
from verification.keys import did_key_from_ed25519
from verification.report import CHECK_IDS, Report
from verification.resolvers import CompositeResolver, did_web_to_url
from verification.service import identity_matches, verify
from verification.status import LIST_SIZE, MappingStatusListSource, encode_bitstring, set_bit
from verification.suites import create_proof

NOW = datetime(2026, 11, 26, tzinfo=UTC)
BSL_URL = (
    "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/main/"
    "inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
)


class OfflineClient:
    """A HardenedClient stand-in for a machine without network: every fetch fails as a FetchError."""

    allow_http = False
    allowed_schemes = ("https",)

    def get_json(self, url: str, accept: str = "") -> Any:
        raise FetchError(f"No network in the test environment ({url}).")

    def get(self, url: str, *, accept: str, redirects: int = 0) -> Any:
        raise FetchError(f"No network in the test environment ({url}).")


class IssuerDocumentsClient(OfflineClient):
    """A machine on which the samples' issuers publish their keys: each controller named by a sample's
    `<controller>#z6Mk…` verification method serves a controller (or did:web DID) document listing exactly the
    keys its samples use. This is the binding the fragment convention leaves out (D26); everything else is
    offline."""

    def __init__(self) -> None:
        keys: dict[str, set[str]] = {}
        for path in SAMPLES.glob("*.json"):
            proofs = json.loads(path.read_text(encoding="utf-8")).get("proof")
            for proof in proofs if isinstance(proofs, list) else [proofs]:
                method = proof.get("verificationMethod") if isinstance(proof, dict) else None
                if isinstance(method, str) and "#z6Mk" in method and not method.startswith("did:key:"):
                    controller, _, fragment = method.partition("#")
                    keys.setdefault(controller, set()).add(fragment)
        self.documents: dict[str, dict[str, Any]] = {}
        for controller, fragments in keys.items():
            url = did_web_to_url(controller) if controller.startswith("did:web:") else controller
            methods = [
                {
                    "id": f"{controller}#{fragment}",
                    "type": "Multikey",
                    "controller": controller,
                    "publicKeyMultibase": fragment,
                }
                for fragment in sorted(fragments)
                if fragment.startswith("z6Mk") and len(fragment) == 48
            ]
            self.documents[url] = {
                "id": controller,
                "verificationMethod": methods,
                "assertionMethod": [method["id"] for method in methods],
            }

    def get_json(self, url: str, accept: str = "") -> Any:
        if url in self.documents:
            return self.documents[url]
        return super().get_json(url, accept)


def _resolver() -> CompositeResolver:
    return CompositeResolver.default(IssuerDocumentsClient())  # type: ignore[arg-type]


def _offline_resolver() -> CompositeResolver:
    return CompositeResolver.default(OfflineClient())  # type: ignore[arg-type]


def _load(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def _sample_status_source() -> MappingStatusListSource:
    return MappingStatusListSource({BSL_URL: _load("bsl-testlist.json")})


def _verify(
    data: Any, *, source: MappingStatusListSource | None = None, offline: bool = False, **kwargs: Any
) -> Report:
    return verify(
        data,
        resolver=_offline_resolver() if offline else _resolver(),
        status_source=source if source is not None else _sample_status_source(),
        now=NOW,
        **kwargs,
    )


def _statuses(report: Report) -> dict[str, str]:
    return {check.id: check.status for check in report.checks}


# --------------------------------------------------------------------------------------------------------------
# Every sample file, with the verdict of INDEX.md

# file -> (verdict, checks whose status is asserted), with the samples' issuers publishing their keys.
VERDICTS: dict[str, tuple[str, dict[str, str]]] = {
    # VALID
    "simple.json": ("valid", {"proof": "passed", "schema": "passed", "context": "passed", "issuer_key": "passed"}),
    "simple-did-web-method.json": ("valid", {"proof": "passed", "schema": "passed", "issuer_key": "passed"}),
    "endorsement-valid.json": ("valid", {"proof": "passed", "schema": "passed", "context": "passed"}),
    "simple-json.png": ("valid", {"format": "passed", "proof": "passed", "schema": "passed"}),
    "simple-json.svg": ("valid", {"format": "passed", "proof": "passed", "schema": "passed"}),
    # WARNING: valid, with the reason flagged
    "simple-context-version.json": ("valid", {"context": "warning", "proof": "passed"}),
    "simple-eddsa-2022.json": ("valid", {"context": "warning", "proof": "warning", "schema": "passed"}),
    "simple_v1.json": ("valid", {"context": "warning", "proof": "passed", "schema": "passed"}),
    # INDETERMINATE: a required check could not be completed.
    # The 1EdTechRevocationList of complete.json cannot be fetched offline.
    "complete.json": (
        "indeterminate",
        {
            "proof": "passed",
            "issuer_key": "passed",
            "schema": "passed",
            "valid_until": "passed",
            "status": "indeterminate",
            "refresh": "skipped",
            "endorsements": "warning",
        },
    ),
    # Revoked upstream via 1EdTechRevocationList; offline the status cannot be checked: never passed.
    "credential-status-revoked.json": ("indeterminate", {"proof": "passed", "status": "indeterminate"}),
    # Proof 1 is of a type no verifier knows (SomeProofType): every proof of a set must verify.
    "simple-multiple-proofs.json": ("indeterminate", {"proof": "indeterminate", "issuer_key": "passed"}),
    # INVALID
    # The key is a did:key but the issuer a urn:uuid: nothing can bind any key to such an issuer.
    "simple-did-key-method.json": ("invalid", {"proof": "passed", "schema": "passed", "issuer_key": "failed"}),
    # The key travels in the token's 'jwk' header and the issuer is an https URL: unbound.
    "simple-jwt.png": ("invalid", {"proof": "warning", "issuer_key": "failed", "schema": "passed"}),
    "simple-jwt.svg": ("invalid", {"proof": "warning", "issuer_key": "failed", "schema": "passed"}),
    "simple-jwt_v1.png": ("invalid", {"context": "warning", "schema": "passed", "issuer_key": "failed"}),
    "simple-err-expired.json": ("invalid", {"proof": "passed", "valid_until": "failed", "valid_from": "passed"}),
    "simple-err-issued.json": ("invalid", {"proof": "passed", "valid_from": "failed"}),
    "simple-err-proof-value.json": ("invalid", {"proof": "failed", "issuer_key": "skipped"}),
    "simple-err-type.json": ("invalid", {"proof": "failed", "context": "failed"}),
    "simple-err-context.json": ("invalid", {"proof": "failed", "context": "failed", "schema": "failed"}),
    "simple-err-proof-method.json": ("invalid", {"proof": "failed"}),
    "bsl-credential-status-revoked.json": ("invalid", {"proof": "passed", "status": "failed", "schema": "passed"}),
    # UNVERIFIABLE: neither kid nor jwk in the header.
    "simple.jwt": ("invalid", {"proof": "failed", "issuer_key": "failed"}),
    # A status list, not a badge: its signature verifies, but it is refused as an Open Badges credential.
    "bsl-testlist.json": ("invalid", {"proof": "passed", "context": "failed"}),
}

# Without the issuers' documents (no network), a key spelled in a URL fragment binds nothing: the samples that
# rely on that convention are indeterminate, never valid (the cost of D26).
OFFLINE_INDETERMINATE = (
    "simple.json",
    "simple-did-web-method.json",
    "endorsement-valid.json",
    "simple-json.png",
    "simple-context-version.json",
    "simple_v1.json",
    "complete.json",
)


def test_every_sample_has_a_verdict() -> None:
    files = sorted(path.name for path in SAMPLES.iterdir() if path.suffix in (".json", ".png", ".svg", ".jwt"))
    assert files == sorted(VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_sample_verdict(name: str) -> None:
    expected_verdict, expected_checks = VERDICTS[name]
    report = _verify((SAMPLES / name).read_bytes(), filename=name)
    statuses = _statuses(report)
    assert {check_id: statuses.get(check_id) for check_id in expected_checks} == expected_checks, report.to_dict()
    assert report.verdict == expected_verdict, report.to_dict()
    assert report.valid is (expected_verdict == "valid")
    assert report.to_dict()["verdict"] == expected_verdict
    assert report.format == ("jwt" if "jwt" in name else "ldp")
    assert [check.id for check in report.checks] == [i for i in CHECK_IDS if i in statuses]


def test_specific_failure_codes() -> None:
    codes = {
        name: {check.id: check.code for check in _verify((SAMPLES / name).read_bytes()).checks}
        for name in (
            "simple-err-proof-value.json",
            "simple-err-proof-method.json",
            "simple-err-expired.json",
            "simple-err-issued.json",
            "bsl-credential-status-revoked.json",
        )
    }
    assert codes["simple-err-proof-value.json"]["proof"] == "proof_invalid"
    assert codes["simple-err-proof-method.json"]["proof"] == "key_unresolved"
    assert codes["simple-err-expired.json"]["valid_until"] == "expired"
    assert codes["simple-err-issued.json"]["valid_from"] == "not_yet_valid"
    assert codes["bsl-credential-status-revoked.json"]["status"] == "revoked"


@pytest.mark.parametrize("name", OFFLINE_INDETERMINATE)
def test_fragment_keys_offline_are_indeterminate(name: str) -> None:
    report = _verify((SAMPLES / name).read_bytes(), offline=True)
    assert report.verdict == "indeterminate", report.to_dict()
    assert report.check("proof").code == "key_unavailable"  # type: ignore[union-attr]
    assert "No network" in report.check("proof").message  # type: ignore[union-attr]


def test_key_binding_codes() -> None:
    simple = _verify((SAMPLES / "simple.json").read_bytes())
    assert simple.check("issuer_key").code == "key_bound"  # type: ignore[union-attr]
    did_key = _verify((SAMPLES / "simple-did-key-method.json").read_bytes())
    assert did_key.check("issuer_key").code == "issuer_unbound"  # type: ignore[union-attr]
    jwt = _verify((SAMPLES / "simple-jwt.png").read_bytes())
    assert jwt.check("issuer_key").code == "key_not_bound"  # type: ignore[union-attr]
    assert "'jwk' header" in jwt.check("issuer_key").message  # type: ignore[union-attr]


def test_multiple_proofs_lists_each_proof() -> None:
    message = _verify((SAMPLES / "simple-multiple-proofs.json").read_bytes()).check("proof").message  # type: ignore[union-attr]
    assert "proof 1 (SomeProofType)" in message
    assert "not supported" in message
    assert "proof 2 (eddsa-rdfc-2022)" in message


def test_complete_sample_offline_reporting() -> None:
    report = _verify((SAMPLES / "complete.json").read_bytes())
    assert report.check("status").code == "status_unavailable"  # type: ignore[union-attr]
    assert "could not be checked" in report.check("status").message  # type: ignore[union-attr]
    assert "not fetched" in report.check("refresh").message  # type: ignore[union-attr]
    # Its embedded endorsements carry a bogus proof (eddsa-rdf-2022) and expired in 2020: warnings only.
    assert report.check("endorsements").code == "endorsement_invalid"  # type: ignore[union-attr]
    assert report.endorsements
    assert not any(endorsement.valid for endorsement in report.endorsements)
    assert "schema_external" not in _statuses(report)


# --------------------------------------------------------------------------------------------------------------
# Status through a dict-backed source


def test_bsl_revocation_uses_the_signed_list() -> None:
    report = _verify(_load("bsl-credential-status-revoked.json"))
    assert (report.check("status").status, report.check("status").code) == ("failed", "revoked")  # type: ignore[union-attr]
    # The list's own signature is verified: a tampered list is refused, not read.
    tampered = _load("bsl-testlist.json")
    bits = bytearray(LIST_SIZE // 8)
    tampered["credentialSubject"]["encodedList"] = encode_bitstring(bits)
    report = _verify(_load("bsl-credential-status-revoked.json"), source=MappingStatusListSource({BSL_URL: tampered}))
    assert (report.check("status").status, report.check("status").code) == ("indeterminate", "status_list_invalid")  # type: ignore[union-attr]
    assert report.verdict == "indeterminate"


def test_bsl_list_unreachable_is_indeterminate() -> None:
    report = _verify(_load("bsl-credential-status-revoked.json"), source=MappingStatusListSource())
    assert report.check("status").status == "indeterminate"  # type: ignore[union-attr]
    assert report.verdict == "indeterminate"  # signature, dates and schema are fine; only the status is unknown


def test_revocation_list_served_offline() -> None:
    credential = _load("credential-status-revoked.json")
    source = MappingStatusListSource(
        {credential["credentialStatus"]["id"]: {"revokedCredential": [{"id": credential["id"]}]}}
    )
    report = _verify(credential, source=source)
    assert (report.check("status").status, report.check("status").code) == ("failed", "revoked")  # type: ignore[union-attr]
    assert not report.valid


# --------------------------------------------------------------------------------------------------------------
# Credentials signed here: everything passes, and each defect fails the right check


KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
ISSUER = did_key_from_ed25519(KEY.public_key())
VM = ISSUER + "#" + ISSUER.removeprefix("did:key:")


def _unsigned(**changes: Any) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:8d1c2f0e-7f1a-4f59-9d63-1c3b0b6a2e47",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Example Institute"},
        "validFrom": "2026-01-15T09:00:00Z",
        "validUntil": "2031-01-15T09:00:00Z",
        "name": "Data Literacy",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": "Kosher",
                }
            ],
            "achievement": {
                "id": "https://institute.example/achievements/data-literacy",
                "type": ["Achievement"],
                "name": "Data Literacy",
                "description": "Reads, questions and explains data.",
                "criteria": {"narrative": "Pass the final assessment."},
            },
        },
    }
    credential.update(changes)
    return credential


def _signed(**changes: Any) -> dict[str, Any]:
    return create_proof(_unsigned(**changes), KEY, VM, created="2026-01-15T09:00:00Z")


def test_own_credential_passes_every_check() -> None:
    report = _verify(_signed(), recipient="a@example.com")
    assert report.valid
    assert all(check.status in ("passed", "skipped") for check in report.checks), report.to_dict()
    assert _statuses(report)["issuer_key"] == "passed"
    assert _statuses(report)["recipient"] == "passed"


def test_to_dict_shape() -> None:
    report = _verify(_signed())
    document = report.to_dict()
    assert set(document) == {"valid", "verdict", "format", "checks", "credential"}
    assert (document["valid"], document["verdict"], document["format"]) == (True, "valid", "ldp")
    assert all(set(check) == {"id", "status", "code", "message"} for check in document["checks"])
    assert document["credential"] == {
        "issuer": {"id": ISSUER, "name": "Example Institute"},
        "achievement": {"id": "https://institute.example/achievements/data-literacy", "name": "Data Literacy"},
        "subject": {"id": "emailAddress (hashed)", "name": None},
        "validFrom": "2026-01-15T09:00:00Z",
        "validUntil": "2031-01-15T09:00:00Z",
    }
    json.dumps(document)


def test_tampering_after_signing_fails_the_proof() -> None:
    credential = _signed()
    credential["credentialSubject"]["achievement"]["name"] = "Rocket Science"
    report = _verify(credential)
    assert _statuses(report)["proof"] == "failed"
    assert not report.valid


def test_key_of_someone_else_fails_issuer_key() -> None:
    credential = _unsigned(issuer={"id": "did:web:impostor.example", "type": ["Profile"], "name": "Impostor"})
    report = _verify(create_proof(credential, KEY, VM, created="2026-01-15T09:00:00Z"))
    assert _statuses(report)["proof"] == "passed"  # the signature itself is correct
    assert (report.check("issuer_key").status, report.check("issuer_key").code) == ("failed", "controller_mismatch")  # type: ignore[union-attr]
    assert not report.valid


def test_unsigned_credential_fails() -> None:
    report = _verify(_unsigned())
    assert (report.check("proof").status, report.check("proof").code) == ("failed", "no_proof")  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [("a@example.com", "passed"), ("  a@example.com ", "passed"), ("b@example.com", "failed"), (None, "skipped")],
)
def test_recipient(recipient: str | None, expected: str) -> None:
    assert _statuses(_verify(_signed(), recipient=recipient))["recipient"] == expected


def test_recipient_plaintext_and_subject_id() -> None:
    complete = _load("complete.json")
    assert _statuses(_verify(complete, recipient="somebody@gmail.com"))["recipient"] == "passed"
    assert _statuses(_verify(complete, recipient="did:example:ebfeb1f712ebc6f1c276e12ec21"))["recipient"] == "passed"
    assert _statuses(_verify(complete, recipient="nobody@example.org"))["recipient"] == "failed"


def test_identity_hash_rules() -> None:
    salted = hashlib.sha256(b"x@example.orgpepper").hexdigest().upper()
    assert identity_matches({"hashed": True, "identityHash": f"sha256${salted}", "salt": "pepper"}, "x@example.org")
    md5 = hashlib.md5(b"x@example.org", usedforsecurity=False).hexdigest()
    assert identity_matches({"hashed": True, "identityHash": f"md5${md5}"}, "x@example.org")
    assert not identity_matches({"hashed": True, "identityHash": f"sha1${md5}"}, "x@example.org")
    assert not identity_matches({"hashed": True, "identityHash": salted}, "x@example.org")
    assert identity_matches({"hashed": False, "identityHash": "x@example.org"}, "x@example.org")
    assert not identity_matches({"hashed": False, "identityHash": "x@example.org"}, "X@example.org")


def test_embedded_endorsement_verified() -> None:
    endorsement = create_proof(
        {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": "urn:uuid:5b0e6c3a-2f8d-4e71-a0c9-7d4b2e1f9a38",
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": "Endorsement of Data Literacy",
            "issuer": {"id": ISSUER, "type": ["Profile"], "name": "Example Institute"},
            "validFrom": "2026-01-15T09:00:00Z",
            "credentialSubject": {
                "id": "https://institute.example/achievements/data-literacy",
                "type": ["EndorsementSubject"],
                "endorsementComment": "Solid programme.",
            },
        },
        KEY,
        VM,
        created="2026-01-15T09:00:00Z",
    )
    report = _verify(_signed(endorsement=[endorsement]))
    assert _statuses(report)["endorsements"] == "passed"
    assert report.valid

    broken = copy.deepcopy(endorsement)
    broken["credentialSubject"]["endorsementComment"] = "Changed."
    report = _verify(_signed(endorsement=[broken]))
    assert _statuses(report)["endorsements"] == "warning"
    assert report.valid  # a bad endorsement does not invalidate the badge


def test_vc_jwt_signed_here() -> None:
    token = encode_vc_jwt(_unsigned(), KEY, kid=VM)
    report = _verify(token)
    assert report.format == "jwt"
    assert report.valid, report.to_dict()
    assert _statuses(report)["issuer_key"] == "passed"
    # Baked into images, the same token verifies the same way.
    assert _verify(bake_svg('<svg xmlns="http://www.w3.org/2000/svg"/>', token, jws=True)).valid
    expired = encode_vc_jwt(_unsigned(validUntil="2026-02-01T00:00:00Z"), KEY, kid=VM)
    assert _statuses(_verify(expired))["valid_until"] == "failed"


def test_baked_png_signed_here() -> None:
    png = (SAMPLES / "simple-json.png").read_bytes()
    report = _verify(bake_png(png, json.dumps(_signed())), filename="badge.png")
    assert report.valid
    assert "PNG" in report.check("format").message  # type: ignore[union-attr]


def test_status_list_signed_here() -> None:
    bits = bytearray(LIST_SIZE // 8)
    set_bit(bits, 1234, True)
    url = "https://institute.example/status/1"
    status_list = create_proof(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": ISSUER,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {
                "id": url + "#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_bitstring(bits),
            },
        },
        KEY,
        VM,
        created="2026-01-01T00:00:00Z",
    )
    source = MappingStatusListSource({url: status_list})

    def entry(index: int) -> dict[str, Any]:
        return {
            "id": f"{url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": url,
        }

    revoked = _verify(_signed(credentialStatus=entry(1234)), source=source)
    assert (revoked.check("status").status, revoked.check("status").code) == ("failed", "revoked")  # type: ignore[union-attr]
    clear = _verify(_signed(credentialStatus=entry(1235)), source=source)
    assert (clear.check("status").status, clear.check("status").code) == ("passed", "not_revoked")  # type: ignore[union-attr]
    assert clear.valid


def test_naive_now_is_utc() -> None:
    report = verify(
        _signed(),
        resolver=_resolver(),
        status_source=MappingStatusListSource(),
        now=datetime(2026, 1, 15, 8, 59),  # noqa: DTZ001 - deliberately naive
    )
    assert _statuses(report)["valid_from"] == "failed"


# --------------------------------------------------------------------------------------------------------------
# Hostile and broken input: reports or InputError, never another exception


@pytest.mark.parametrize(
    "data",
    [b"", b"not a credential", b"[]", b'{"a": 1}', b"\x89PNG\r\n\x1a\n", b"<svg", b"a.b", b"{" * 100],
)
def test_unusable_input_raises_input_error(data: bytes) -> None:
    with pytest.raises(InputError):
        _verify(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"@context": 5},
        {"@context": []},
        {"type": None},
        {"issuer": 5},
        {"issuer": {"name": "no id"}},
        {"credentialSubject": []},
        {"credentialSubject": "x"},
        {"proof": "x"},
        {"proof": [None, 3, {"type": "DataIntegrityProof"}]},
        {"validFrom": 12},
        {"validFrom": "tomorrow"},
        {"validUntil": ["2030"]},
        {"credentialStatus": "x"},
        {"credentialStatus": {"type": "BitstringStatusListEntry", "statusListCredential": 5}},
        {"endorsement": ["not.a.jws", 5, {"type": "x"}]},
        {"endorsementJwt": ["a.b.c"]},
        {"refreshService": "x"},
    ],
)
def test_malformed_credentials_give_reports(changes: dict[str, Any]) -> None:
    credential = _signed()
    credential.update(changes)
    report = _verify(credential, recipient="a@example.com")
    assert not report.valid or changes.keys() <= {"endorsement", "endorsementJwt", "refreshService"}
    json.dumps(report.to_dict())
    assert all(check.code != "internal" for check in report.checks), report.to_dict()


def test_deep_dict_input_refused() -> None:
    credential = _signed()
    nested: Any = "x"
    for _ in range(200):
        nested = [nested]
    credential["evidence"] = nested
    with pytest.raises(InputError, match=r"nested more than 32 levels deep \(at evidence\[0\]"):
        _verify(credential)


def test_many_endorsements_are_capped() -> None:
    credential = _signed()
    credential["endorsement"] = [{"type": "x"}] * 50
    report = _verify(credential)
    assert "only the first 20" in report.check("endorsements").message  # type: ignore[union-attr]
