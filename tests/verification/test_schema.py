"""JSON Schema conformance with the bundled 1EdTech schemas."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from tests.paths import SAMPLES  # noqa: E402
from verification.schema import (
    SCHEMA_DIR,
    evaluate_schema,
    forget_kept_results,
    normalize_compacted,
    validate_credential,
    validate_profile,
)


def _load(name: str) -> dict[str, Any]:
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def _messages(credential: dict[str, Any]) -> list[str]:
    return [str(issue) for issue in validate_credential(credential)]


@pytest.mark.parametrize("name", ["achievementcredential.json", "endorsementcredential.json", "profile.json"])
def test_bundled_schemas_have_the_digest_their_sources_record(name: str) -> None:
    # The upstream file's sha256 (also checked against PROVENANCE.md in tests/test_data_provenance.py).
    bundled = hashlib.sha256((SCHEMA_DIR / name).read_bytes()).hexdigest()
    sources = (SCHEMA_DIR / "SOURCES.md").read_text(encoding="utf-8")
    assert sources.count(bundled) == 1
    assert f"- `schemas/1edtech-gh-pages/{name}` — " in sources


@pytest.mark.parametrize("name", ["simple.json", "complete.json", "simple-multiple-proofs.json"])
def test_samples_pass(name: str) -> None:
    result = evaluate_schema(_load(name))
    assert result.issues == []
    assert result.applied == ["achievementcredential"]
    assert result.skipped == []


def test_endorsement_passes_the_endorsement_schema() -> None:
    result = evaluate_schema(_load("endorsement-valid.json"))
    assert result.issues == []
    assert result.applied == ["endorsementcredential"]


def test_missing_issuer_is_named() -> None:
    credential = _load("simple.json")
    del credential["issuer"]
    assert _messages(credential) == ["issuer: required property is missing"]


def test_nested_missing_property_has_a_dotted_path() -> None:
    credential = _load("simple.json")
    del credential["credentialSubject"]["achievement"]["name"]
    assert _messages(credential) == ["credentialSubject.achievement.name: required property is missing"]


def test_profile_object_errors_point_inside_the_object() -> None:
    credential = _load("simple.json")
    credential["issuer"] = {"name": "No id"}
    assert set(_messages(credential)) == {
        "issuer.id: required property is missing",
        "issuer.type: required property is missing",
    }


def test_single_object_proof_passes_and_original_is_untouched() -> None:
    credential = _load("simple.json")
    credential["proof"] = credential["proof"][0]
    original = copy.deepcopy(credential)
    assert validate_credential(credential) == []
    assert credential == original  # normalization works on a copy


def test_compacted_type_identifier_and_schema_pass() -> None:
    credential = _load("simple.json")
    credential["credentialSubject"]["type"] = "AchievementSubject"
    credential["credentialSubject"]["achievement"]["type"] = "Achievement"
    credential["issuer"]["type"] = "Profile"
    credential["credentialSubject"]["identifier"] = {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": "learner@example.org",
        "identityType": "emailAddress",
    }
    credential["credentialSchema"] = {
        "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
        "type": "1EdTechJsonSchemaValidator2019",
    }
    assert validate_credential(credential) == []


def test_normalization_respects_string_types() -> None:
    credential = _load("simple.json")
    credential["credentialSubject"]["identifier"] = {"type": "IdentityObject"}
    normalized = normalize_compacted(credential)
    # IdentityObject.type is a string in the schema and must stay one; identifier itself becomes an array.
    assert normalized["credentialSubject"]["identifier"] == [{"type": "IdentityObject"}]
    assert normalized["type"] == credential["type"]


def test_a_single_string_type_still_needs_verifiable_credential() -> None:
    credential = _load("simple.json")
    credential["type"] = "OpenBadgeCredential"
    assert "type: must include 'VerifiableCredential'" in _messages(credential)


def test_type_and_format_messages_are_plain() -> None:
    credential = _load("simple.json")
    credential["validFrom"] = "yesterday"
    credential["credentialSubject"]["achievement"]["criteria"] = "be nice"
    messages = _messages(credential)
    assert "validFrom: 'yesterday' is not a valid date-time" in messages
    assert "credentialSubject.achievement.criteria: expected an object, got a string" in messages


def test_subject_needs_id_or_identifier() -> None:
    credential = _load("simple.json")
    del credential["credentialSubject"]["id"]
    assert _messages(credential) == ["credentialSubject: either id or at least one identifier is required"]


def test_unknown_schema_url_is_skipped_not_fetched() -> None:
    credential = _load("simple.json")
    credential["credentialSchema"] = [
        {"id": "https://schemas.example.org/badge.json", "type": "1EdTechJsonSchemaValidator2019"},
        {"id": "https://schemas.example.org/other.json", "type": "SomeOtherValidator"},
    ]
    result = evaluate_schema(credential)
    assert result.issues == []
    # Falls back to the schema of the credential's type, and says which entries were not validated.
    assert result.applied == ["achievementcredential"]
    assert len(result.skipped) == 2
    assert "https://schemas.example.org/badge.json" in result.skipped[0]
    assert "not bundled" in result.skipped[0]


def test_complete_sample_names_only_known_schemas() -> None:
    # Its embedded endorsements name an extra schema URL, but only the top-level credentialSchema counts.
    assert evaluate_schema(_load("complete.json")).skipped == []


@pytest.mark.parametrize("name", ["simple_v1.json", "simple-eddsa-2022.json", "credential-status-revoked.json"])
def test_vcdm_11_credentials_use_the_relaxed_rules(name: str) -> None:
    result = evaluate_schema(_load(name))
    assert result.vcdm == "1.1"
    assert result.relaxed
    assert result.issues == []


def test_vcdm_11_relaxed_rules_still_require_the_ob_structure() -> None:
    credential = _load("simple_v1.json")
    del credential["issuanceDate"]
    del credential["credentialSubject"]["achievement"]["criteria"]
    assert set(_messages(credential)) == {
        "issuanceDate: required property is missing",
        "credentialSubject.achievement.criteria: required property is missing",
    }


def test_vcdm_20_context_error_is_reported() -> None:
    messages = _messages(_load("simple-err-context.json"))
    assert "@context: must have at least 2 items" in messages
    assert "validFrom: required property is missing" in messages


def test_untyped_document_gets_no_schema() -> None:
    result = evaluate_schema(_load("bsl-testlist.json"))
    assert result.applied == []
    assert result.issues == []


def test_profile_schema() -> None:
    assert validate_profile({"id": "https://issuer.example.org", "type": "Profile", "name": "Example"}) == []
    assert [str(issue) for issue in validate_profile({"type": ["Profile"]})] == ["id: required property is missing"]


def test_non_object_input() -> None:
    assert _messages([]) == ["A credential must be a JSON object."]  # type: ignore[arg-type]


# --- kept results (D38) -------------------------------------------------------------------------------------------


def test_a_document_seen_before_gets_the_same_result_and_a_copy_of_it() -> None:
    forget_kept_results()
    broken = _load("simple.json")
    del broken["issuer"]

    first = evaluate_schema(broken)
    first.issues.clear()  # what a caller does to its copy stays there
    again = evaluate_schema(copy.deepcopy(broken))

    assert [issue.path for issue in again.issues] == ["issuer"]


def test_a_changed_document_is_validated_again() -> None:
    forget_kept_results()
    credential = _load("simple.json")
    assert evaluate_schema(credential).ok

    credential["credentialSubject"]["achievement"].pop("criteria")

    assert [issue.path for issue in evaluate_schema(credential).issues] == ["credentialSubject.achievement.criteria"]


def test_the_order_of_keys_does_not_change_what_is_kept() -> None:
    forget_kept_results()
    credential = _load("simple.json")
    del credential["issuer"]
    reordered = dict(reversed(list(credential.items())))

    assert evaluate_schema(credential).issues == evaluate_schema(reordered).issues
