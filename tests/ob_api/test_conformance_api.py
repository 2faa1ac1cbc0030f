"""Open Badges 3.0 Host conformance, the platform as Service Provider (1EdTech certification guide, "Service
Provider (Read)" and "Service Provider (Write)"): what a wallet stores comes back as it was sent, and every
credential getCredentials returns is verifiable."""

from __future__ import annotations

import json

from badges.verify import verify_credential
from tests.ob_api.conftest import API, bearer
from tests.ob_api.credentials import ForeignIssuer


def _upsert(wallet, token, body, content_type="application/json"):
    return wallet.browser.post(f"{API}/credentials", body, content_type=content_type, **bearer(token))


def test_an_upserted_credential_comes_back_unchanged(wallet):
    token = wallet.tokens()["access_token"]
    issuer = ForeignIssuer()
    sent = issuer.credential(name="Ünïcödé — 徽章 🎓")
    jws = issuer.vc_jwt(name="Sent as a VC-JWT")
    assert _upsert(wallet, token, json.dumps(sent, ensure_ascii=False)).status_code == 201
    assert _upsert(wallet, token, jws, content_type="text/plain").status_code == 201

    listing = wallet.browser.get(f"{API}/credentials", **bearer(token)).json()
    returned = [item for item in listing["credential"] if item["id"] == sent["id"]]
    assert returned == [sent]  # every property, proof included, equal to what was sent
    assert listing["compactJwsString"] == [jws]


def test_every_credential_returned_is_verifiable(wallet, lea_credential):
    token = wallet.tokens()["access_token"]
    issuer = ForeignIssuer()
    assert _upsert(wallet, token, json.dumps(issuer.credential())).status_code == 201
    assert _upsert(wallet, token, issuer.vc_jwt(name="As a VC-JWT"), content_type="text/plain").status_code == 201

    listing = wallet.browser.get(f"{API}/credentials", **bearer(token)).json()
    returned = listing["credential"] + listing["compactJwsString"]
    assert len(returned) == 3  # Lea's award here, and the two stored
    for item in returned:
        report = verify_credential(json.dumps(item) if isinstance(item, dict) else item)
        assert report.verdict == "valid", [(c.id, c.code) for c in report.checks if c.status != "passed"]
