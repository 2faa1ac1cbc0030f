"""The verify API and page show Open Badges 2.0 reports: a baked OB 2.0 PNG uploaded to each, its documents
published by a loopback server and fetched through the platform's wiring (badges.verify)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import badges.verify
from tests.verification.ob2_badges import (
    NOBODY,
    RSA_KEY,
    Site,
    baked_png,
    publish_signed_issuer,
    publish_validator_badge,
    sign,
)
from tests.verification.test_http import LocalServer, local_client

API = "/api/v1/verify"


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    # The platform's client refuses loopback addresses and plain http; the test's server is both.
    monkeypatch.setattr(badges.verify, "outbound_client", local_client)
    with LocalServer() as server:
        yield Site(server)


@pytest.mark.django_db
def test_api_reports_a_baked_hosted_assertion(client, site: Site) -> None:
    assertion = publish_validator_badge(site)
    image = baked_png(json.dumps(assertion))
    response = client.post(
        f"{API}?recipient=Nobody@example.org", {"file": SimpleUploadedFile("badge.png", image, "image/png")}
    )
    assert response.status_code == 200
    body = response.json()
    # The 3.0 shape, with the page's sentence and facts added (D43).
    assert set(body) == {
        "valid", "verdict", "format", "checks", "credential", "headline", "reason", "facts", "replaces", "replacedBy"
    }  # fmt: skip
    assert (body["valid"], body["verdict"], body["format"]) == (True, "valid", "ob2-hosted")
    assert {check["id"]: check["status"] for check in body["checks"]}["recipient"] == "passed"
    assert body["credential"]["achievement"]["name"] == "Awesome Robotics Badge"
    assert body["credential"]["subject"]["id"] == "email (hashed)"


@pytest.mark.django_db
def test_page_reports_a_baked_signed_assertion(client, site: Site) -> None:
    token = sign(publish_signed_issuer(site), RSA_KEY, "RS256")
    image = baked_png(token)
    response = client.post(
        "/verify", {"file": SimpleUploadedFile("badge.png", image, "image/png"), "recipient": NOBODY}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="valid"' in page
    assert "Signed Robotics Badge" in page
    assert "The RS256 signature verifies with the key" in page


@pytest.mark.django_db
def test_page_given_a_revoked_hosted_url_says_revoked(client, site: Site) -> None:
    site.gone("/gone.json")
    response = client.post("/verify", {"url": site.url("/gone.json")})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="invalid"' in page
    assert "410 Gone" in page
