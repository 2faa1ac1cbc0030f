"""The verify page and API say first, in one plain sentence, who earned what from whom and whether it holds
(badges.verify_headline, D43); the facts follow, escaped, with only http(s) links; the checks are folded away."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import badges.verify
from badges.services import credential_revoke, credential_suspend
from badges.verify_headline import facts, headline, http_url, plain_date
from tests.actors import owner
from tests.paths import SAMPLES
from tests.public.test_verify_page import OfflineClient, issue, issue_expired
from tests.verification.ob2_badges import Site, baked_png, publish_validator_badge
from tests.verification.test_http import LocalServer, local_client
from verification.report import Check, Report, summarize, verdict_of

API = "/api/v1/verify"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


def today() -> str:
    now = timezone.now()
    return f"{now.day} {now:%B %Y}"


def verify_page(client: Any, **fields: Any) -> Any:
    response = client.post("/verify", fields)
    assert response.status_code == 200
    return response


def first_text(page: str) -> str:
    """The page's text after its <h1>, tags removed: what a reader reads first."""
    main = page.split("</h1>", 1)[1]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))).strip()


# --------------------------------------------------------------------------------------------------------------
# The sentence, through the page


@pytest.mark.django_db
def test_valid_with_a_hashed_address_names_the_person_and_asks_for_their_address(client, achievement, offline):
    credential = issue(achievement)
    response = verify_page(client, credential=credential.document)
    expected = (
        f"Valid — Lea Rner earned “Python Basics” from Test University on {today()}. Their e-mail address is "
        "hashed; type their e-mail address on the verify form to confirm it is them."
    )
    assert response.context["headline"] == expected
    assert first_text(response.content.decode()).startswith(f"✓ {expected}")


@pytest.mark.django_db
def test_valid_with_the_recipient_confirmed(client, achievement, offline):
    credential = issue(achievement)
    response = verify_page(client, credential=credential.document, recipient="Lea@Example.com")
    assert response.context["headline"] == (
        f"Valid — Lea Rner, the holder of Lea@Example.com (confirmed), earned “Python Basics” from Test University "
        f"on {today()}."
    )
    assert "(confirmed: the credential names this address)" in response.content.decode()


@pytest.mark.django_db
def test_another_address_is_not_valid_and_not_echoed(client, achievement, offline):
    credential = issue(achievement)
    response = verify_page(client, credential=credential.document, recipient="someone@example.com")
    assert response.context["headline"] == "Not valid — this badge was not issued to the e-mail address given."
    assert response.context["facts"]["recipient"]["confirmed"] is False
    assert "someone@example.com" not in first_text(response.content.decode()).split("Technical checks")[0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("act", "expected"),
    [
        (
            lambda c: credential_revoke(credential=c, reason="fraud", actor=owner(c.issuer)),
            "Not valid — this badge was revoked by Test University.",
        ),
        (
            lambda c: credential_suspend(credential=c, reason="review", actor=owner(c.issuer)),
            "Not valid — this badge is suspended by Test University; it may be reinstated later, but it does not "
            "hold now.",
        ),
    ],
    ids=["revoked", "suspended"],
)
def test_revoked_and_suspended(client, achievement, offline, act, expected):
    credential = issue(achievement)
    act(credential)
    response = verify_page(client, credential=credential.document)
    assert response.context["headline"] == expected
    page = response.content.decode()
    assert first_text(page).startswith(f"✗ {expected}")
    assert "✓" not in page


@pytest.mark.django_db
def test_expired(client, achievement, offline, monkeypatch):
    credential = issue_expired(achievement, monkeypatch)
    response = verify_page(client, credential=credential.document)
    until = datetime.fromisoformat(response.context["summary"]["validUntil"])
    assert response.context["headline"] == f"Not valid — this badge expired on {until.day} {until:%B %Y}."


@pytest.mark.django_db
def test_a_changed_credential_has_an_invalid_signature(client, achievement, offline):
    document = json.loads(issue(achievement).document)
    document["credentialSubject"]["achievement"]["name"] = "Python Mastery"
    response = verify_page(client, credential=json.dumps(document))
    assert response.context["report"].check("proof").status == "failed"
    assert response.context["headline"] == (
        "Not valid — the signature on “Python Mastery” does not match: it was changed after it was issued, or "
        "Test University did not sign it."
    )


@pytest.mark.django_db
def test_an_unreachable_key_could_not_be_fully_checked(client, offline):
    upload = SimpleUploadedFile("simple-json.png", (SAMPLES / "simple-json.png").read_bytes(), "image/png")
    response = verify_page(client, file=upload)
    expected = (
        "Could not be fully checked — the issuer's public key could not be retrieved; do not rely on it yet. "
        "Try again later."
    )
    assert response.context["headline"] == expected
    page = response.content.decode()
    assert first_text(page).startswith(f"⚠ {expected}")
    assert 'role="img" aria-label="Could not be fully checked"' in page


@pytest.mark.django_db
def test_ob2_hosted_assertion_with_its_recipient_confirmed(client, monkeypatch):
    monkeypatch.setattr(badges.verify, "outbound_client", local_client)
    with LocalServer() as server:
        site = Site(server)
        image = baked_png(json.dumps(publish_validator_badge(site)))
        response = client.post(
            "/verify",
            {"file": SimpleUploadedFile("badge.png", image, "image/png"), "recipient": "Nobody@example.org"},
        )
    assert response.status_code == 200
    found = response.context["facts"]
    issued = plain_date(response.context["summary"]["validFrom"])
    issuer = response.context["summary"]["issuer"]["name"]
    assert response.context["headline"] == (
        f"Valid — the holder of Nobody@example.org (confirmed) earned “Awesome Robotics Badge” from {issuer} "
        f"on {issued}."
    )
    assert found["issuer"]["identityConfirmation"] == "Hosted on the issuer's own site (127.0.0.1)."
    assert found["badge"]["description"]
    page = response.content.decode()
    assert "Open Badges 2.0, hosted by the issuer" in page
    # The image is the issuer's, on another host: a link, never loaded.
    assert found["badge"]["imageUrl"] and f'<img src="{found["badge"]["imageUrl"]}' not in page


# --------------------------------------------------------------------------------------------------------------
# The sentence from reports the test client cannot easily produce


def report_of(credential: dict[str, Any], *checks: Check) -> Report:
    return Report(
        verdict=verdict_of(list(checks)),
        format="ldp",
        checks=list(checks),
        credential=credential,
        summary=summarize(credential),
    )


HASHED = {
    "issuer": {"id": "did:web:example.edu", "name": "Example University"},
    "validFrom": "2026-03-03T09:00:00Z",
    "credentialSubject": {
        "identifier": [{"identityType": "emailAddress", "hashed": True, "identityHash": "sha256$00"}],
        "achievement": {"name": "Python Foundations"},
    },
}


def test_status_list_unreachable():
    report = report_of(
        HASHED,
        Check("issuer_key", "passed", "The signing key is listed.", "key_bound"),
        Check("status", "indeterminate", "The status list did not answer.", "status_unavailable"),
    )
    assert headline(report) == (
        "Could not be fully checked — the issuer's revocation list did not answer; do not rely on it yet. "
        "Try again later."
    )


def test_hashed_recipient_without_a_name():
    report = report_of(HASHED, Check("issuer_key", "passed", "The signing key is listed.", "key_bound"))
    assert headline(report) == (
        "Valid — “Python Foundations” from Example University was earned on 3 March 2026 by the holder of a hashed "
        "e-mail address; type their e-mail address on the verify form to confirm it is them."
    )
    assert facts(report)["issuer"]["identityConfirmation"] == "Signed with a key published by did:web:example.edu."


def test_hashed_recipient_confirmed():
    report = report_of(
        HASHED,
        Check("issuer_key", "passed", "The signing key is listed.", "key_bound"),
        Check("recipient", "passed", "The recipient matches.", "match"),
    )
    assert headline(report, recipient="jane@example.org") == (
        "Valid — the holder of jane@example.org (confirmed) earned “Python Foundations” from Example University "
        "on 3 March 2026."
    )


def test_an_unbound_key_is_not_confirmed():
    report = report_of(HASHED, Check("issuer_key", "failed", "Nothing binds it to the issuer. More.", "key_not_bound"))
    assert headline(report) == "Not valid — it was not signed with a key that Example University is known to use."
    assert facts(report)["issuer"]["identityConfirmation"] == "Not confirmed. Nothing binds it to the issuer."


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.org/a", True),
        ("http://example.org/a", True),
        ("javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("https://exa mple.org/", False),
        ("//example.org/a", False),
        (None, False),
    ],
)
def test_only_http_links(url, kept):
    assert http_url(url) == (url if kept else None)


# --------------------------------------------------------------------------------------------------------------
# Hostile text, the API, the layout


@pytest.fixture
def hostile() -> str:
    document = json.loads((SAMPLES / "simple.json").read_text())
    achievement = document["credentialSubject"]["achievement"]
    achievement["name"] = "<script>alert('name')</script>"
    achievement["description"] = '<img src=x onerror="alert(1)">'
    achievement["criteria"] = {"id": "javascript:alert(2)", "narrative": "<b>bold</b>"}
    document["evidence"] = [
        {"id": 'https://evil.example/" onmouseover="x', "type": ["Evidence"], "name": "<i>evidence</i>"}
    ]
    return json.dumps(document)


@pytest.mark.django_db
def test_hostile_text_is_escaped_and_no_other_scheme_becomes_a_link(client, offline, hostile):
    response = verify_page(client, credential=hostile)
    page = response.content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=" in page
    assert "<b>bold</b>" not in page and "<i>evidence</i>" not in page
    assert "javascript:" not in page
    assert 'onmouseover="x' not in page
    assert response.context["facts"]["badge"]["name"] == "<script>alert('name')</script>"


@pytest.mark.django_db
def test_a_hostile_name_in_the_headline_is_escaped(client, achievement, offline):
    document = json.loads(issue(achievement).document)
    document["credentialSubject"]["achievement"]["name"] = "<script>alert('name')</script>"
    response = verify_page(client, credential=json.dumps(document))
    assert response.context["headline"].startswith("Not valid — the signature on “<script>alert('name')</script>”")
    page = response.content.decode()
    assert "<script>alert" not in page
    assert "Not valid — the signature on “&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;”" in page


@pytest.mark.django_db
def test_page_links_are_nofollow_and_the_checks_are_folded(client, achievement, offline):
    response = verify_page(client, credential=issue(achievement).document)
    page = response.content.decode()
    foreign_links = re.findall(r'<a href="https?://[^"]*"[^>]*>', page)
    assert foreign_links and all('rel="nofollow noopener"' in link for link in foreign_links)
    assert '<details class="technical" id="technical-checks">' in page  # closed: no `open`
    assert page.index('id="headline"') < page.index("<h2>The badge</h2>") < page.index('id="technical-checks"')
    assert "Programming" in page and "Writes small Python programs." in page
    assert 'href="/static/css/verify.css"' in page or "css/verify." in page


@pytest.mark.django_db
def test_api_adds_the_headline_and_facts_to_the_report(client, achievement, offline):
    credential = issue(achievement)
    api = client.post(f"{API}?recipient=lea@example.com", credential.document, content_type="application/json")
    page = verify_page(client, credential=credential.document, recipient="lea@example.com")
    body = api.json()
    assert api.status_code == 200
    assert body["headline"] == page.context["headline"]
    assert body["reason"] == page.context["reason"]
    assert body["headline"].startswith("Valid — Lea Rner, the holder of lea@example.com (confirmed), earned")
    assert body["facts"]["badge"]["name"] == "Python Basics"
    assert body["facts"]["badge"]["alignments"][0] == {
        "name": "Programming",
        "url": "https://example.org/skills/programming",
        "framework": "Example Skills",
        "code": "P1",
    }
    assert body["facts"]["recipient"] == {
        "name": "Lea Rner",
        "identity": None,
        "hashed": True,
        "confirmedEmail": "lea@example.com",
        "confirmed": True,
    }
    # The report itself is unchanged beside the additions.
    report = page.context["report"].to_dict()
    assert {key: body[key] for key in report if key != "checks"} == {k: v for k, v in report.items() if k != "checks"}


def test_openapi_schema_describes_the_headline(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    answer = schema["paths"]["/api/v1/verify"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    report = schema["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]
    assert {"valid", "verdict", "format", "checks", "credential", "headline", "reason", "facts"} <= set(
        report["properties"]
    )
