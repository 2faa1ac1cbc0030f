"""/credentials/<uuid>: a page for people, the exact signed JSON or the VC-JWT for machines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from badges.models import Credential
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend, credential_unsuspend
from tests.actors import owner

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def _issue(achievement, **kwargs):
    params = {"achievement": achievement, "email": "lea@example.com", "name": "Lea Rner"}
    params.update(kwargs)
    return credential_issue(request=AwardRequest(**params), source="ui", actor=owner(achievement.issuer))


def _status(client, credential):
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    return response.context["state"], response.context["state_label"]


def test_browser_gets_the_page(client, achievement):
    credential = _issue(achievement)
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=BROWSER)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in response["Vary"]
    assert '<h1 id="credential-title">Python Basics</h1>' in html
    assert "Writes small Python programs.<br>Tests them too." in html
    assert "Pass the <strong>final</strong> assessment." in html
    assert "<strong>Lea Rner</strong>" in html
    assert '<a href="https://uni.example.org" rel="nofollow noopener">Test University</a>' in html
    assert "lea@example.com" not in html
    assert '<span class="badge-status status-active">Valid</span>' in html
    assert 'href="?format=json"' in html
    assert 'href="?format=jwt"' not in html


def test_page_shows_what_was_signed_not_later_edits(client, achievement):
    credential = _issue(achievement)
    achievement.name = "Renamed Later"
    achievement.save()
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=BROWSER)
    assert response.context["name"] == "Python Basics"


def test_page_without_recipient_name_names_nobody(client, achievement):
    credential = _issue(achievement, name="")
    html = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=BROWSER).content.decode()
    assert "Awarded by" in html
    assert "lea@example.com" not in html


def test_page_follows_status_changes(client, achievement):
    credential = _issue(achievement)
    assert _status(client, credential) == ("active", "Valid")
    credential_suspend(credential=credential, reason="review", actor=owner(achievement.issuer))
    assert _status(client, credential) == ("suspended", "Suspended")
    credential_unsuspend(credential=credential, actor=owner(achievement.issuer))
    assert _status(client, credential) == ("active", "Valid")
    credential_revoke(credential=credential, reason="fraud", actor=owner(achievement.issuer))
    assert _status(client, credential) == ("revoked", "Revoked")
    html = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=BROWSER).content.decode()
    assert "fraud" not in html  # the reason is for staff


def test_page_shows_expired_and_not_yet_valid(client, achievement):
    now = timezone.now()
    expired = _issue(achievement)
    Credential.objects.filter(pk=expired.pk).update(
        valid_from=now - timedelta(days=30), valid_until=now - timedelta(seconds=1)
    )
    assert _status(client, expired) == ("expired", "Expired")
    future = _issue(achievement, valid_from=now + timedelta(days=3))
    assert _status(client, future) == ("pending", "Not yet valid")


@pytest.mark.parametrize(
    "accept",
    [
        "application/vc+ld+json",
        "application/ld+json",
        "application/json",
        "*/*",
        None,
        "image/png",
        "application/json, text/html",
        "application/vc+ld+json, application/ld+json;q=0.9, application/jwt;q=0.8, text/plain;q=0.5",
    ],
)
def test_machines_get_the_exact_signed_bytes(client, achievement, accept):
    credential = _issue(achievement, format="both")
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    response = client.get(f"/credentials/{credential.uuid}", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json"
    assert response.content == credential.document.encode("utf-8")
    assert response["Content-Disposition"] == f'inline; filename="credential-{credential.uuid}.json"'
    assert response["Access-Control-Allow-Origin"] == "*"


def test_jwt_when_asked_and_present(client, achievement):
    credential = _issue(achievement, format="both")
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="application/jwt")
    assert (response.status_code, response["Content-Type"]) == (200, "application/jwt")
    assert response.content.decode() == credential.jws


def test_jwt_asked_for_but_absent_is_406(client, achievement):
    credential = _issue(achievement)
    for kwargs in ({"HTTP_ACCEPT": "application/jwt"}, {"data": {"format": "jwt"}}):
        response = client.get(f"/credentials/{credential.uuid}", **kwargs)
        assert response.status_code == 406
        assert response.content.decode() == (
            "This credential was issued without a VC-JWT; ask for application/vc+ld+json (or ?format=json)."
        )


@pytest.mark.parametrize(
    ("fmt", "content_type", "suffix"), [("json", "application/vc+ld+json", "json"), ("jwt", "application/jwt", "jwt")]
)
def test_download_links_override_accept(client, achievement, fmt, content_type, suffix):
    credential = _issue(achievement, format="both")
    response = client.get(f"/credentials/{credential.uuid}?format={fmt}", HTTP_ACCEPT=BROWSER)
    assert response["Content-Type"] == content_type
    assert response.content.decode() == (credential.document if fmt == "json" else credential.jws)
    assert response["Content-Disposition"] == f'attachment; filename="credential-{credential.uuid}.{suffix}"'


def test_unknown_format_is_400(client, achievement):
    credential = _issue(achievement)
    response = client.get(f"/credentials/{credential.uuid}?format=xml")
    assert response.status_code == 400


def test_unknown_credential_is_404(client, db):
    assert client.get("/credentials/00000000-0000-4000-8000-000000000000", HTTP_ACCEPT=BROWSER).status_code == 404


def test_public_page_renders_criteria_markdown_sanitized(client, achievement):
    from badges.services import AwardRequest, credential_issue

    achievement.criteria_narrative = "Pass the **final** exam.\n\n<script>alert(1)</script>"
    achievement.save()
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="l@example.com"),
        source="ui",
        actor=owner(achievement.issuer),
    )
    html = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="text/html").content.decode()
    assert "<strong>final</strong>" in html
    assert "<script>alert(1)</script>" not in html
