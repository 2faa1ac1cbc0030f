"""Open Badges 3.0 Displayer conformance (1EdTech certification guide, "Displayer Service Conformance"): a viewer
verifies a badge from another issuer and sees its name, issuer, date and status; the guide's three cases (neither
expired nor revoked, expired, revoked) for VCDM 2.0 and for VCDM 1.1 badges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

import badges.verify
from tests.ob_api.credentials import ForeignIssuer
from tests.verification.test_http import LocalServer, local_client
from verification.report import Report
from verification.resolvers import CompositeResolver
from verification.service import verify
from verification.status import HttpStatusListSource

VCDM_11_CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2",
]
# After the badges' validFrom (2024-05-02) and before today: a validUntil earlier than validFrom breaks the data model.
PAST = "2025-01-01T00:00:00Z"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def _badge(
    issuer: ForeignIssuer, *, vcdm: str, expired: bool = False, status: dict[str, Any] | None = None
) -> dict[str, Any]:
    document = issuer.unsigned(name="Open Source Contributor", valid_from=datetime(2024, 5, 2, 9, 30, tzinfo=UTC))
    if vcdm == "1.1":
        document["@context"] = list(VCDM_11_CONTEXT)
        document["issuanceDate"] = document.pop("validFrom")
        if expired:
            document["expirationDate"] = PAST
    elif expired:
        document["validUntil"] = PAST
    if status is not None:
        # 1EdTechRevocationList is defined only by the extensions context.
        document["@context"] = [*document["@context"], "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
        document["credentialStatus"] = status
    return issuer.signer.sign(document)


def _verify(credential: dict[str, Any]) -> Report:
    return verify(
        credential, resolver=CompositeResolver.default(None), status_source=HttpStatusListSource(local_client())
    )


def _checks(report: Report) -> dict[str, tuple[str, str | None]]:
    return {check.id: (check.status, check.code) for check in report.checks}


@pytest.mark.parametrize("vcdm", ["2.0", "1.1"])
def test_the_three_cases_of_the_guide(server, vcdm):
    issuer = ForeignIssuer()
    url = server.url("/revocations")
    revoked = _badge(issuer, vcdm=vcdm, status={"id": url, "type": "1EdTechRevocationList"})
    server.json("/revocations", {"id": url, "issuer": issuer.did, "revokedCredential": [{"id": revoked["id"]}]})
    current = _badge(issuer, vcdm=vcdm, status={"id": url, "type": "1EdTechRevocationList"})

    report = _verify(current)
    assert report.verdict == "valid"
    assert _checks(report)["valid_until"] == ("passed", "no_expiry")
    assert _checks(report)["status"] == ("passed", "not_revoked")

    report = _verify(_badge(issuer, vcdm=vcdm, expired=True))
    assert report.verdict == "invalid"
    assert _checks(report)["valid_until"] == ("failed", "expired")
    assert _checks(report)["proof"][0] == "passed"  # expired, not tampered

    report = _verify(revoked)
    assert report.verdict == "invalid"
    assert _checks(report)["valid_until"] == ("passed", "no_expiry")
    assert _checks(report)["status"] == ("failed", "revoked")


@pytest.mark.parametrize("vcdm", ["2.0", "1.1"])
def test_the_viewer_sees_name_issuer_date_and_status(client, db, vcdm):
    # The expired case: the page must say which check failed, beside what the badge claims.
    credential = _badge(ForeignIssuer(), vcdm=vcdm, expired=True)
    response = client.post("/verify", {"credential": json.dumps(credential)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Open Source Contributor" in page  # the achievement's name
    assert "Foreign Guild" in page  # the issuer's name
    assert "2024-05-02T09:30:00Z" in page  # issued (validFrom; VCDM 1.1 issuanceDate)
    assert PAST in page  # valid until
    assert 'data-verdict="invalid"' in page
    rows = {row["id"]: row for row in response.context["checks"]}
    assert rows["valid_until"]["status"] == "failed"
    assert 'id="check-valid_until"' in page and 'id="check-status"' in page


def test_a_current_badge_is_shown_as_valid(client, db):
    credential = _badge(ForeignIssuer(), vcdm="2.0")
    response = client.post("/verify", {"credential": json.dumps(credential)})
    assert 'data-verdict="valid"' in response.content.decode()
    assert "Does not expire" in response.content.decode()
    assert response.context["summary"]["validFrom"] == "2024-05-02T09:30:00Z"


def test_the_viewer_sees_the_badge_description(client, db):
    issuer = ForeignIssuer()
    document = issuer.unsigned(name="Open Source Contributor", valid_from=datetime(2024, 5, 2, 9, 30, tzinfo=UTC))
    document["credentialSubject"]["achievement"]["description"] = "Merged <b>ten</b> pull requests upstream."
    response = client.post("/verify", {"credential": json.dumps(issuer.signer.sign(document))})
    page = response.content.decode()
    assert 'data-verdict="valid"' in page
    assert "Merged &lt;b&gt;ten&lt;/b&gt; pull requests upstream." in page  # shown, as text


def test_badges_given_by_url_are_fetched_and_verified(client, db, server, monkeypatch):
    # The test system hands out its three badges as URLs. Here another host serves them; the page fetches each one
    # (and the revocation list) through the platform's client, allowed to reach the loopback server for the test.
    monkeypatch.setattr(badges.verify, "outbound_client", local_client)
    issuer = ForeignIssuer()
    status = {"id": server.url("/revocations"), "type": "1EdTechRevocationList"}
    served = {
        "current": _badge(issuer, vcdm="2.0", status=status),
        "expired": _badge(issuer, vcdm="2.0", expired=True, status=status),
        "revoked": _badge(issuer, vcdm="2.0", status=status),
    }
    revoked_list = [{"id": served["revoked"]["id"], "revoked": True}]
    server.json("/revocations", {"id": status["id"], "issuer": issuer.did, "revokedCredential": revoked_list})
    for name, credential in served.items():
        server.json(f"/badges/{name}.json", credential, content_type="application/vc+ld+json")

    verdicts = {}
    for name in served:
        response = client.post("/verify", {"url": server.url(f"/badges/{name}.json")})
        assert response.status_code == 200, response.content.decode()[:500]
        rows = {row["id"]: row["status"] for row in response.context["checks"]}
        verdicts[name] = (response.context["report"].verdict, rows["valid_until"], rows["status"])
    assert verdicts == {
        "current": ("valid", "passed", "passed"),
        "expired": ("invalid", "failed", "passed"),
        "revoked": ("invalid", "passed", "failed"),
    }
    assert [path for path, _ in server.requests if path.startswith("/badges/")] == [
        "/badges/current.json",
        "/badges/expired.json",
        "/badges/revoked.json",
    ]
