"""Every rule of verification.datamodel, each with a document that keeps it and one that breaks it, the breach named
by its path (docs/conformance.md, "VC Data Model 2.0 rules", lists the rules by these ids)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.verification.credentials import open_badge_credential
from verification.datamodel import DataModelError, data_model_problems, presentation_problems, require_conformance

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
SRI = "sha384-" + "A" * 64


def base() -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "id": "urn:uuid:1c0e8f3a-0d6b-4bb4-9a49-6f1c2a4e7e55",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:ada", "name": "Ada"},
    }


def v1() -> dict[str, Any]:
    return {**base(), "@context": [VC_V1], "issuanceDate": "2025-01-31T09:00:00Z"}


def vp() -> dict[str, Any]:
    return {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": "did:example:ada"}


def typed(name: str, value: Any) -> dict[str, Any]:
    return {**base(), name: value}


# rule id -> (a document that keeps the rule, one that breaks it, the path of the problem)
RULES: dict[str, tuple[Any, Any, str]] = {
    "DM-1 a credential is a JSON object": (base(), [base()], "$"),
    "DM-2 @context is present": (base(), {k: v for k, v in base().items() if k != "@context"}, "@context"),
    "DM-3 @context is an ordered list": (base(), {**base(), "@context": VC_V2}, "@context"),
    "DM-4 the VC 2.0 context comes first": (
        {**base(), "@context": [VC_V2, "https://example.org/ctx"]},
        {**base(), "@context": ["https://example.org/ctx", VC_V2]},
        "@context[0]",
    ),
    "DM-5 later contexts are URLs or objects": (
        {**base(), "@context": [VC_V2, {"ex": "https://example.org/#"}]},
        {**base(), "@context": [VC_V2, 5]},
        "@context[1]",
    ),
    "DM-6 id is a URL": (base(), {**base(), "id": "not a url"}, "id"),
    "DM-7 type is present": (base(), {k: v for k, v in base().items() if k != "type"}, "type"),
    "DM-8 type is strings": (base(), {**base(), "type": ["VerifiableCredential", 3]}, "type"),
    "DM-9 type includes VerifiableCredential": (base(), {**base(), "type": ["Thing"]}, "type"),
    "DM-10 credentialSubject is present": (
        base(),
        {k: v for k, v in base().items() if k != "credentialSubject"},
        "credentialSubject",
    ),
    "DM-11 credentialSubject holds a subject": (base(), {**base(), "credentialSubject": []}, "credentialSubject"),
    "DM-12 a subject is an object": (base(), {**base(), "credentialSubject": "ada"}, "credentialSubject"),
    "DM-13 a subject makes a claim": (base(), {**base(), "credentialSubject": {}}, "credentialSubject"),
    "DM-14 a subject's id is a URL": (
        base(),
        {**base(), "credentialSubject": [{"id": "did:example:a"}, {"id": "nope"}]},
        "credentialSubject[1].id",
    ),
    "DM-15 issuer is present": (base(), {k: v for k, v in base().items() if k != "issuer"}, "issuer"),
    "DM-16 issuer is a URL": (base(), {**base(), "issuer": "Example University"}, "issuer"),
    "DM-17 an issuer object has a URL id": (
        {**base(), "issuer": {"id": "did:example:issuer", "name": "Uni"}},
        {**base(), "issuer": {"name": "Uni"}},
        "issuer.id",
    ),
    "DM-18 validFrom is a dateTimeStamp": (
        {**base(), "validFrom": "2025-01-31T09:00:00Z"},
        {**base(), "validFrom": "2025-01-31T09:00:00"},
        "validFrom",
    ),
    "DM-19 validUntil is a dateTimeStamp": (
        {**base(), "validUntil": "2025-01-31T09:00:00+01:00"},
        {**base(), "validUntil": "31 January 2025"},
        "validUntil",
    ),
    "DM-20 validUntil is not before validFrom": (
        {**base(), "validFrom": "2025-01-31T09:00:00Z", "validUntil": "2025-01-31T09:00:00Z"},
        {**base(), "validFrom": "2025-01-31T09:00:00Z", "validUntil": "2025-01-30T09:00:00Z"},
        "validUntil",
    ),
    "DM-21 name is a string or language value": (
        {**base(), "name": [{"@value": "Kurs", "@language": "de"}, "Course"]},
        {**base(), "name": 7},
        "name",
    ),
    "DM-22 a language value's @language is a string": (
        {**base(), "description": {"@value": "Kurs", "@language": "de"}},
        {**base(), "description": {"@value": "Kurs", "@language": 1}},
        "description.@language",
    ),
    "DM-23 a language value's @direction is ltr or rtl": (
        {**base(), "name": {"@value": "دورة", "@direction": "rtl"}},
        {**base(), "name": {"@value": "دورة", "@direction": "up"}},
        "name.@direction",
    ),
    "DM-24 a typed member's entries are objects": (
        typed("evidence", [{"type": "Evidence"}]),
        typed("evidence", ["https://example.org/e"]),
        "evidence[0]",
    ),
    "DM-25 a typed member is not an empty list": (
        typed("termsOfUse", {"type": "Policy"}),
        typed("termsOfUse", []),
        "termsOfUse",
    ),
    "DM-26 a typed member's entries have a type": (
        typed("refreshService", {"type": "Refresh", "id": "https://example.org/r"}),
        typed("refreshService", {"id": "https://example.org/r"}),
        "refreshService.type",
    ),
    "DM-27 a typed member's type is strings": (
        typed("credentialStatus", {"type": "BitstringStatusListEntry"}),
        typed("credentialStatus", {"type": 1}),
        "credentialStatus.type",
    ),
    "DM-28 a typed member's id is a URL": (
        typed("renderMethod", {"type": "Svg", "id": "https://example.org/r.svg"}),
        typed("renderMethod", {"type": "Svg", "id": "r.svg"}),
        "renderMethod.id",
    ),
    "DM-29 credentialSchema has an id": (
        typed("credentialSchema", {"type": "JsonSchema", "id": "https://example.org/s.json"}),
        typed("credentialSchema", {"type": "JsonSchema"}),
        "credentialSchema.id",
    ),
    "DM-30 relatedResource entries are objects": (
        typed("relatedResource", [{"id": "https://example.org/a", "digestSRI": SRI}]),
        typed("relatedResource", ["https://example.org/a"]),
        "relatedResource[0]",
    ),
    "DM-31 relatedResource has a URL id": (
        typed("relatedResource", {"id": "https://example.org/a", "digestSRI": SRI}),
        typed("relatedResource", {"digestSRI": SRI}),
        "relatedResource.id",
    ),
    "DM-32 relatedResource ids are unique": (
        typed(
            "relatedResource",
            [{"id": "https://example.org/a", "digestSRI": SRI}, {"id": "https://example.org/b", "digestSRI": SRI}],
        ),
        typed(
            "relatedResource",
            [{"id": "https://example.org/a", "digestSRI": SRI}, {"id": "https://example.org/a", "digestSRI": SRI}],
        ),
        "relatedResource[1].id",
    ),
    "DM-33 relatedResource has a digest": (
        typed("relatedResource", {"id": "https://example.org/a", "digestMultibase": "uAAAA"}),
        typed("relatedResource", {"id": "https://example.org/a"}),
        "relatedResource",
    ),
    "DM-34 digestSRI is Subresource Integrity": (
        typed("relatedResource", {"id": "https://example.org/a", "digestSRI": SRI}),
        typed("relatedResource", {"id": "https://example.org/a", "digestSRI": "md5-abc"}),
        "relatedResource.digestSRI",
    ),
    "DM-35 digestMultibase is multibase": (
        typed("relatedResource", {"id": "https://example.org/a", "digestMultibase": "z3vQB7B6MrGQZaxCuFg4oh"}),
        typed("relatedResource", {"id": "https://example.org/a", "digestMultibase": "f00ff"}),
        "relatedResource.digestMultibase",
    ),
    "DM-36 VCDM 1.1: issuanceDate is present": (
        v1(),
        {k: v for k, v in v1().items() if k != "issuanceDate"},
        "issuanceDate",
    ),
    "DM-37 VCDM 1.1: issuanceDate and expirationDate are dateTimes": (
        {**v1(), "expirationDate": "2030-01-31T09:00:00"},
        {**v1(), "expirationDate": "soon"},
        "expirationDate",
    ),
    "DM-39 a presentation's holder is a URL or an object with one": (
        {**vp(), "holder": {"id": "did:example:ada"}},
        {**vp(), "holder": {"name": "Ada"}},
        "holder",
    ),
    "DM-40 a presentation's id is a URL": (
        {**vp(), "id": "urn:uuid:0d6b1c0e-8f3a-4bb4-9a49-6f1c2a4e7e55"},
        {**vp(), "id": "presentation 1"},
        "id",
    ),
    "DM-41 a presentation's credentials are objects": (
        {**vp(), "verifiableCredential": [base()]},
        {**vp(), "verifiableCredential": [base(), "jwt"]},
        "verifiableCredential[1]",
    ),
    "DM-42 a presentation has the VC 2.0 context first": (
        vp(),
        {**vp(), "@context": ["https://example.org/ctx"]},
        "@context[0]",
    ),
}


@pytest.mark.parametrize("rule", list(RULES))
def test_a_document_that_keeps_the_rule_has_no_problem(rule):
    kept, _, _ = RULES[rule]
    assert data_model_problems(copy.deepcopy(kept)) == []


@pytest.mark.parametrize("rule", list(RULES))
def test_a_document_that_breaks_the_rule_is_named_by_its_path(rule):
    _, broken, path = RULES[rule]
    assert [problem.path for problem in data_model_problems(copy.deepcopy(broken))] == [path]


def test_dm_38_a_presentations_type_includes_verifiable_presentation():
    assert presentation_problems({**vp(), "type": "VerifiablePresentation"}) == []
    assert [problem.path for problem in presentation_problems({**vp(), "type": ["Presentation"]})] == ["type"]


def test_an_open_badge_is_also_held_to_its_json_schema():
    badge = open_badge_credential()
    require_conformance(badge)
    del badge["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(DataModelError) as refused:
        require_conformance(badge)
    assert refused.value.field.startswith("credentialSubject")
    assert refused.value.code == "data_model"


def test_require_conformance_names_the_first_problem():
    with pytest.raises(DataModelError) as refused:
        require_conformance({**base(), "type": ["Thing"], "issuer": "x"})
    assert refused.value.field == "type"
    assert [problem.path for problem in refused.value.problems] == ["type", "issuer"]
