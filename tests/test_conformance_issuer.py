"""Open Badges 3.0 Issuer conformance (1EdTech certification guide, "Issuer Service Conformance"): a credential
awarded to the certification suite's recipient address is a valid 3.0 badge by the 1EdTech JSON Schema itself,
signed with the one Linked Data proof the suite accepts, and names its recipient the way OB 3.0 §9.3 checks it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from jsonschema import Draft201909Validator

from badges.services import AwardRequest, credential_issue
from tests.actors import owner

CONFORMANCE_RECIPIENT = "conformance@imsglobal.org"
SCHEMA = Path(__file__).resolve().parent.parent / "verification" / "schemas" / "achievementcredential.json"
SCHEMA_ID = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"


def _issue_to_the_conformance_address(achievement) -> dict:
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email=CONFORMANCE_RECIPIENT, name="Conformance"),
        source="ui",
        actor=owner(achievement.issuer),
        notify=False,
    )
    return json.loads(credential.document)


def _schema_errors(document: dict) -> list[str]:
    validator = Draft201909Validator(json.loads(SCHEMA.read_text()), format_checker=Draft201909Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def test_a_badge_for_the_conformance_recipient_passes_the_1edtech_schema(achievement):
    document = _issue_to_the_conformance_address(achievement)
    # OB 3.0 Appendix "Compacted document form": `proof` may be a single object. Written as the one-item array
    # it stands for, the document must pass the canonical schema with nothing else changed.
    proof = document["proof"]
    expanded = {**document, "proof": proof if isinstance(proof, list) else [proof]}
    assert _schema_errors(expanded) == []
    assert document["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert {"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"} in document["credentialSchema"]
    # 1EdTechJsonSchemaValidator2019 is defined only by the extensions context.
    assert "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json" in document["@context"]


def test_the_badge_as_issued_passes_the_schema_it_names(achievement):
    assert _schema_errors(_issue_to_the_conformance_address(achievement)) == []


def test_the_badge_is_signed_with_the_suite_the_certification_accepts(achievement):
    proof = _issue_to_the_conformance_address(achievement)["proof"]
    proofs = proof if isinstance(proof, list) else [proof]
    assert [(p["type"], p["cryptosuite"], p["proofPurpose"]) for p in proofs] == [
        ("DataIntegrityProof", "eddsa-rdfc-2022", "assertionMethod")
    ]
    assert proofs[0]["proofValue"].startswith("z")  # multibase base58-btc


def test_the_recipient_is_named_by_a_salted_sha256_of_the_address(achievement):
    document = _issue_to_the_conformance_address(achievement)
    assert CONFORMANCE_RECIPIENT not in json.dumps(document)
    (identity,) = document["credentialSubject"]["identifier"]
    assert (identity["type"], identity["identityType"], identity["hashed"]) == ("IdentityObject", "emailAddress", True)
    # OB 3.0 §9.3: "sha256$" and the hex digest of the identifier followed by the salt.
    expected = hashlib.sha256((CONFORMANCE_RECIPIENT + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
