"""The credentials a wallet receives through OpenID4VCI (tests/wallets/wallet.py, the holder-bound copies of
docs/decisions.md D54) verify offline with every independent verifier of the harness, and their tampered copies
with none: Data Integrity with digitalbazaar's `vc`, DCC's verifier-core and openbadgeslib; VC-JWT with jose and
openbadgeslib. Bound to a did:key, a did:jwk and a bare JWK's did:jwk, Ed25519 and P-256 holders alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.interop.test_independent_verifiers import JWT_ALGORITHMS, LDP_VERIFIERS, jws_alg, tampered
from tests.wallets.conftest import JWT, LDP, LEA, ORIGIN, offer_from_page, signed_in
from tests.wallets.wallet import DjangoClientTransport, HolderKey, Wallet

pytestmark = pytest.mark.django_db

HOLDERS = [("did:key", "ed25519"), ("did:jwk", "p256"), ("jwk", "ed25519")]


def receive_through_a_wallet() -> list[dict[str, Any]]:
    """Each holder takes the award in both formats, through the real endpoints; rolled back afterwards."""
    from django.db import transaction

    from badges.models import Achievement
    from badges.services import AwardRequest, credential_issue
    from issuer.selectors import did_document
    from issuer.services import issuer_create
    from tests.actors import SETUP

    items: list[dict[str, Any]] = []
    with transaction.atomic():
        issuer = issuer_create(slug="interop-wallet", name="Université de Münster — 東京 Campus ✅", actor=SETUP)
        achievement = Achievement.objects.create(
            issuer=issuer,
            slug="wallet-ready",
            name="Datenethik — 数据伦理 🎓",
            description="Évalue les enjeux éthiques des données.",
            criteria_narrative="Réussir l'examen.",
            achievement_type="Course",
        )
        credential = credential_issue(
            request=AwardRequest(achievement=achievement, email=LEA, name="Zoë Ångström 李"),
            source="api",
            actor=SETUP,
            notify=False,
        )
        documents = {issuer.did: did_document(issuer)}
        learner = signed_in()
        for binding, key in HOLDERS:
            wallet = Wallet(
                http=DjangoClientTransport(Client(), ORIGIN), key=getattr(HolderKey, key)(), binding=binding
            )
            for configuration in (LDP, JWT):
                issued = wallet.receive(offer_from_page(learner, credential), configuration)
                name = f"wallet {binding} {key} {configuration.rsplit('_', 2)[-2]}"
                if configuration == LDP:
                    items.append({"name": name, "format": "ldp", "credential": issued, "did_documents": documents})
                else:
                    items.append({"name": name, "format": "jwt", "jws": issued, "did_documents": documents})
        transaction.set_rollback(True)
    return items


@pytest.fixture(scope="module")
def wallet_items(django_db_setup, django_db_blocker) -> list[dict[str, Any]]:
    with django_db_blocker.unblock():
        return receive_through_a_wallet()


@pytest.fixture(scope="module")
def wallet_results(wallet_items, run_interop):
    did_documents: dict[str, Any] = {}
    for item in wallet_items:
        did_documents.update(item["did_documents"])
    return run_interop([*wallet_items, *(tampered(item) for item in wallet_items)], did_documents)


def _expected(item: dict[str, Any]) -> set[str]:
    if item["format"] == "ldp":
        return set(LDP_VERIFIERS)
    return {verifier for verifier, algorithms in JWT_ALGORITHMS.items() if jws_alg(item) in algorithms}


def test_every_bound_credential_verifies_with_every_independent_verifier(wallet_items, wallet_results):
    assert len(wallet_items) == 2 * len(HOLDERS)
    failures = {}
    for item in wallet_items:
        outcomes = wallet_results.outcomes(item["name"])
        missed = {verifier for verifier in _expected(item) if not outcomes.get(verifier)}
        if missed:
            failures[item["name"]] = {v: wallet_results.get(item["name"], v)["errors"] for v in missed}
    assert failures == {}


def test_every_tampered_copy_is_rejected(wallet_items, wallet_results):
    accepted = {
        f"{item['name']} (tampered)": [
            v for v, ok in wallet_results.outcomes(f"{item['name']} (tampered)").items() if ok
        ]
        for item in wallet_items
    }
    assert {name: verifiers for name, verifiers in accepted.items() if verifiers} == {}
