"""The CLR 2.0 export (stacking.clr) verifies offline with every independent Data Integrity verifier
(digitalbazaar's `vc`, DCC's verifier-core, openbadgeslib), and its tampered copies are rejected by all of them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.actors import SETUP

pytestmark = pytest.mark.django_db

LDP_VERIFIERS = ("digitalbazaar/vc", "verifier-core", "openbadgeslib")

CLR = "platform clr"
TAMPERED = {
    f"{CLR} (name changed)": lambda d: d.update(name=d["name"] + "X"),
    f"{CLR} (embedded component changed)": lambda d: d["credentialSubject"]["verifiableCredential"][1][
        "credentialSubject"
    ]["achievement"].update(name="Advanced"),
    f"{CLR} (association dropped)": lambda d: d["credentialSubject"]["association"].pop(),
}


def _issue_clr() -> tuple[dict[str, Any], dict[str, Any]]:
    from django.db import transaction

    from badges.models import Achievement
    from badges.services import AwardRequest, credential_issue
    from issuer.selectors import did_document
    from issuer.services import issuer_create
    from stacking.clr import clr_sign
    from stacking.models import StackedAward
    from stacking.services import qualification_save, stacking_evaluate

    with transaction.atomic():
        issuer = issuer_create(slug="interop-clr", name="Université de Münster — 東京 Campus ✅", actor=SETUP)

        def achievement(slug: str, name: str, kind: str = "Course") -> Achievement:
            return Achievement.objects.create(
                issuer=issuer,
                slug=slug,
                name=name,
                description=f"{name}.",
                criteria_narrative="Réussir l'examen.",
                achievement_type=kind,
            )

        parts = [
            achievement("python", "Python 🐍"),
            achievement("sql", "SQL — データ"),
            achievement("viz", "Visualisation"),
        ]
        target = achievement("analyst", "Data Analyst", "Certificate")
        rule = {
            "kind": "all",
            "children": [
                {"kind": "achievement", "achievement": str(parts[0].uuid)},
                {
                    "kind": "at_least",
                    "n": 1,
                    "children": [{"kind": "achievement", "achievement": str(p.uuid)} for p in parts[1:]],
                },
            ],
        }
        qualification = qualification_save(issuer=issuer, achievement=target, rule=rule, actor=SETUP)
        for part in parts:
            credential_issue(
                request=AwardRequest(achievement=part, email="zoe@example.org", name="Zoë Ångström"),
                source="api",
                notify=False,
                actor=SETUP,
            )
        # Events are delivered after commit, which never comes here (rolled back): evaluate directly.
        assert stacking_evaluate(qualification=qualification, email="zoe@example.org") == "issued"
        stacked = StackedAward.objects.get(qualification=qualification).credential
        assert stacked is not None
        document = clr_sign(stacked)
        documents = {issuer.did: did_document(issuer)}
        transaction.set_rollback(True)
    return document, documents


@pytest.fixture(scope="module")
def clr_results(run_interop, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        document, did_documents = _issue_clr()
    items = [{"name": CLR, "format": "ldp", "credential": document}]
    for name, tamper in TAMPERED.items():
        changed = copy.deepcopy(document)
        tamper(changed)
        items.append({"name": name, "format": "ldp", "credential": changed})
    return run_interop(items, did_documents), document


def test_the_clr_verifies_everywhere(clr_results):
    results, document = clr_results
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert set(results.outcomes(CLR)) == set(LDP_VERIFIERS)
    for verifier in LDP_VERIFIERS:
        record = results.get(CLR, verifier)
        assert record["verified"], f"{verifier}: {json.dumps(record['errors'])[:2000]}"


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_a_tampered_clr_is_rejected_everywhere(clr_results, name):
    results, _ = clr_results
    outcomes = results.outcomes(name)
    assert set(outcomes) == set(LDP_VERIFIERS)
    assert not any(outcomes.values()), outcomes
