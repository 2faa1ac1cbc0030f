"""The CLR 2.0 export of a completed qualification: its shape, its signature (our verifier, safe-mode JSON-LD),
the embedded credentials verifying on their own, tampering, and the download's answers."""

from __future__ import annotations

import copy
import json

import pytest

from badges.documents import issuer_profile
from badges.models import Credential
from badges.services import credential_revoke
from badges.verify import verify_credential
from issuer.models import KeyState, SigningKey
from stacking.clr import CLR_CONTEXT, ClrUnavailable, clr_document, clr_sign
from stacking.models import StackedAward
from stacking.services import qualification_save
from tests.actors import owner
from tests.stacking.conftest import group, leaf
from verification import jsonld

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


@pytest.fixture
def completed(issuer, make_achievement, award):
    """Ada completes Data Analyst (all of Python, SQL; at least 2 of Tableau, Power BI, Looker) with Tableau and
    Looker; Power BI is never earned."""
    parts = {slug: make_achievement(slug) for slug in ("python", "sql", "tableau", "power-bi", "looker")}
    target = make_achievement("data-analyst", name="Data Analyst", achievement_type="Certificate")
    rule = group(
        "all",
        leaf(parts["python"]),
        leaf(parts["sql"]),
        group("at_least", leaf(parts["tableau"]), leaf(parts["power-bi"]), leaf(parts["looker"]), n=2),
    )
    qualification = qualification_save(issuer=issuer, achievement=target, rule=rule, actor=owner(issuer))
    components = [award(parts[slug]) for slug in ("python", "sql", "tableau", "looker")]
    stacked = StackedAward.objects.get(qualification=qualification).credential
    assert stacked is not None and stacked.source == "stacking"
    return stacked, components


def _verify(document):
    return verify_credential(json.dumps(document))


def test_the_clr_bundles_the_stacked_credential_and_its_components(completed, issuer):
    stacked, components = completed
    document = clr_sign(stacked)
    stacked_doc = json.loads(stacked.document)
    component_docs = [json.loads(c.document) for c in components]

    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        CLR_V2,
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert CLR_CONTEXT == document["@context"]
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert document["id"] == f"{stacked.public_id}/clr"
    assert document["issuer"] == issuer_profile(issuer)
    assert document["name"] == "Data Analyst — Comprehensive Learner Record"
    subject = document["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    assert subject["identifier"] == stacked_doc["credentialSubject"]["identifier"]
    # Embedded exactly as signed: the stacked credential first, then the components in its evidence's order.
    assert subject["verifiableCredential"] == [stacked_doc, *component_docs]
    target_id = stacked_doc["credentialSubject"]["achievement"]["id"]
    component_ids = [c.achievement.public_id for c in components]
    assert [a["id"] for a in subject["achievement"]] == [target_id, *component_ids]
    assert subject["achievement"][0] == stacked_doc["credentialSubject"]["achievement"]
    assert subject["association"] == [
        {"type": "Association", "associationType": "isParentOf", "sourceId": target_id, "targetId": target}
        for target in component_ids
    ]
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert document["proof"][0]["verificationMethod"].startswith(issuer.did + "#")


def test_safe_mode_json_ld_defines_every_term_of_the_clr(completed):
    stacked, _ = completed
    expanded = jsonld.expand(clr_sign(stacked))  # raises on any undefined term or relative IRI
    assert expanded[0]["@type"] == [
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://purl.imsglobal.org/spec/vc/clr/vocab.html#ClrCredential",
    ]
    subject = expanded[0]["https://www.w3.org/2018/credentials#credentialSubject"][0]
    associations = subject["https://purl.imsglobal.org/spec/vc/clr/vocab.html#association"]
    assert len(associations) == 4
    assert {
        a["https://purl.imsglobal.org/spec/vc/clr/vocab.html#AssociationType"][0]["@value"] for a in associations
    } == {"isParentOf"}


def test_our_verifier_accepts_the_clr_and_every_credential_in_it(completed):
    stacked, _ = completed
    report = _verify(clr_sign(stacked))
    assert report.valid, [c.message for c in report.failures]
    assert report.check("context").message == "ClrCredential with the VCDM 2.0 and CLR 2.0 contexts."
    assert report.check("embedded").message == "All 5 bundled credentials verify."
    assert (report.check("proof").status, report.check("issuer_key").status) == ("passed", "passed")


def test_a_clr_bundling_a_revoked_component_is_invalid(completed, django_capture_on_commit_callbacks):
    from badges.services import credential_revoke

    stacked, components = completed
    document = clr_sign(stacked)  # signed while every component was valid
    with django_capture_on_commit_callbacks(execute=True):
        credential_revoke(credential=components[1], reason="Exam irregularity", actor=owner(components[1].issuer))

    report = _verify(document)

    assert report.check("proof").status == "passed"
    embedded = report.check("embedded")
    assert embedded.status == "failed"
    # The revoked component, and the stacked credential that the cascade revoked with it.
    assert embedded.message == "Credential 1 (Data Analyst) failed (status); credential 3 (Sql) failed (status)."


def test_every_embedded_credential_verifies_on_its_own(completed):
    stacked, components = completed
    embedded = clr_sign(stacked)["credentialSubject"]["verifiableCredential"]
    assert len(embedded) == 5
    for document in embedded:
        report = _verify(document)
        assert report.valid, [c.message for c in report.failures]


@pytest.mark.parametrize(
    ("_case", "tamper"),
    [
        ("name", lambda d: d.update(name="Data Scientist — Comprehensive Learner Record")),
        ("association removed", lambda d: d["credentialSubject"]["association"].pop()),
        (
            "association target changed",
            lambda d: d["credentialSubject"]["association"][0].update(targetId="https://evil.example/a"),
        ),
        (
            "embedded component's achievement renamed",
            lambda d: d["credentialSubject"]["verifiableCredential"][1]["credentialSubject"]["achievement"].update(
                name="Advanced Python"
            ),
        ),
        ("component dropped", lambda d: d["credentialSubject"]["verifiableCredential"].pop()),
        ("validFrom", lambda d: d.update(validFrom="2020-01-01T00:00:00Z")),
    ],
)
def test_a_tampered_clr_fails(completed, _case, tamper):
    stacked, _ = completed
    document = clr_sign(stacked)
    assert _verify(document).check("proof").status == "passed"
    mutated = copy.deepcopy(document)
    tamper(mutated)
    report = _verify(mutated)
    assert report.check("proof").status == "failed"
    assert report.valid is False


def test_only_an_active_stacked_credential_has_a_clr(completed):
    stacked, components = completed
    with pytest.raises(ClrUnavailable, match="not awarded by a qualification rule"):
        clr_document(components[0])
    credential_revoke(credential=stacked, reason="Test.", actor=owner(stacked.issuer))
    stacked.refresh_from_db()
    with pytest.raises(ClrUnavailable, match="not valid now"):
        clr_document(stacked)


def test_the_download(client, completed):
    stacked, components = completed
    response = client.get(f"/credentials/{stacked.uuid}/clr")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json"
    assert response["Content-Disposition"] == f'attachment; filename="clr-{stacked.uuid}.json"'
    assert response["Cache-Control"] == "no-store"
    document = json.loads(response.content)
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert _verify(document).check("proof").status == "passed"
    assert len(document["credentialSubject"]["verifiableCredential"]) == 1 + len(components)


def test_the_download_of_a_credential_that_is_not_stacked_is_404_with_a_sentence(client, completed):
    _, components = completed
    response = client.get(f"/credentials/{components[0].uuid}/clr")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "This credential was not awarded by a qualification rule, so it has no learner record."
    )


def test_the_download_of_a_revoked_stacked_credential_is_404(client, completed):
    stacked, _ = completed
    credential_revoke(credential=stacked, reason="Test.", actor=owner(stacked.issuer))
    response = client.get(f"/credentials/{stacked.uuid}/clr")
    assert response.status_code == 404
    assert response.content.decode() == "This credential is not valid now, so no learner record is made for it."


def test_the_download_of_an_unknown_credential_is_404(client, db):
    assert client.get("/credentials/00000000-0000-4000-8000-000000000000/clr").status_code == 404


def test_without_an_active_key_the_download_says_so(client, completed, issuer):
    stacked, _ = completed
    SigningKey.objects.filter(issuer=issuer).update(state=KeyState.RETIRED)
    response = client.get(f"/credentials/{stacked.uuid}/clr")
    assert response.status_code == 503
    assert response.content.decode() == "The issuer cannot sign a learner record right now; try again later."
    assert Credential.objects.filter(issuer=issuer).count() == 5  # nothing was issued or stored
