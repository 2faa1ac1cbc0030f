"""The public credential page a learner shares: status, content, downloads, sharing and social previews."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from badges.models import Credential
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend
from badges.sharing import linkedin_add_url, mailto_url
from tests.actors import owner

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
EMAIL = "lea.private@example.com"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _issue(achievement, **kwargs):
    params = {"achievement": achievement, "email": EMAIL, "name": "Lea Rner"}
    params.update(kwargs)
    return credential_issue(request=AwardRequest(**params), source="ui", actor=owner(achievement.issuer))


def _page(client, credential) -> str:
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    return response.content.decode()


def _meta(html: str, attribute: str, key: str) -> str:
    match = re.search(rf'<meta {attribute}="{re.escape(key)}" content="([^"]*)">', html)
    assert match, f"no {key} meta tag"
    return unescape(match.group(1))


def _expire(credential):
    now = timezone.now()
    Credential.objects.filter(pk=credential.pk).update(
        valid_from=now - timedelta(days=30), valid_until=now - timedelta(seconds=1)
    )


@pytest.mark.parametrize(
    ("_case", "change", "label", "explanation"),
    [
        ("valid", None, "Valid", "This credential is valid."),
        ("expired", _expire, "Expired", "This badge is no longer valid."),
        (
            "suspended",
            lambda c: credential_suspend(credential=c, reason="review", actor=owner(c.issuer)),
            "Suspended",
            "This badge is not valid while it is suspended.",
        ),
        (
            "revoked",
            lambda c: credential_revoke(credential=c, reason="fraud", actor=owner(c.issuer)),
            "Revoked",
            "This badge is no longer valid.",
        ),
    ],
)
def test_status_is_visible_at_once(client, achievement, _case, change, label, explanation):
    credential = _issue(achievement)
    if change is not None:
        change(credential)
    html = _page(client, credential)
    status_box = html.split('role="status"', 1)[1].split("</div>", 1)[0]
    assert f">{label}</span>" in status_box
    assert explanation in status_box
    assert EMAIL not in html
    assert "lea.private" not in html


def test_page_shows_the_achievement_and_the_award(client, achievement):
    credential = _issue(
        achievement,
        valid_until=timezone.now() + timedelta(days=400),
        evidence=[
            {"id": "https://portfolio.example.org/lea", "name": "Final project", "narrative": "Built a **CLI**."}
        ],
    )
    html = _page(client, credential)
    assert '<h1 id="credential-title">Python Basics</h1>' in html
    assert "Writes small Python programs.<br>Tests them too." in html
    assert "Pass the <strong>final</strong> assessment." in html
    assert "<strong>Lea Rner</strong>" in html
    assert (
        '<a href="https://example.org/skills/programming" rel="nofollow noopener">Programming</a> '
        '<span class="muted">(Example Skills, <code>P1</code>)</span>'
    ) in html
    assert '<a href="https://portfolio.example.org/lea" rel="nofollow noopener ugc">Final project</a>' in html
    assert "Built a <strong>CLI</strong>." in html
    assert '<a href="/issuers/uni/" class="issuer-public-link">' in html
    assert f'<time datetime="{credential.created_at:%Y-%m-%d}' in html
    assert f'<time datetime="{credential.valid_until:%Y-%m-%d}' in html
    assert '<meta name="robots" content="noindex">' in html
    assert EMAIL not in html


def test_verify_link_when_the_verify_page_exists(client, achievement):
    credential = _issue(achievement)
    html = _page(client, credential)
    try:
        verify_url = reverse("badges:verify-credential", args=[credential.uuid])
    except NoReverseMatch:
        assert "Verify this credential" not in html
    else:
        assert f'<a class="button" href="{verify_url}">Verify this credential</a>' in html


def test_downloads_linked_on_the_page(client, achievement):
    credential = _issue(achievement, format="both")
    html = _page(client, credential)
    assert f'href="?format=json" download="credential-{credential.uuid}.json"' in html
    assert f'href="?format=jwt" download="credential-{credential.uuid}.jwt"' in html
    # Linked before any baking: the first download bakes.
    assert f'href="?format=png" download="credential-{credential.uuid}.png"' in html
    assert f'href="?format=svg" download="credential-{credential.uuid}.svg"' in html


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [("json", "application/vc+ld+json", "json"), ("jwt", "application/jwt", "jwt")],
)
def test_signed_downloads(client, achievement, fmt, content_type, extension):
    credential = _issue(achievement, format="both")
    response = client.get(f"/credentials/{credential.uuid}?format={fmt}", HTTP_ACCEPT=BROWSER)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="credential-{credential.uuid}.{extension}"'
    expected = credential.document if fmt == "json" else credential.jws
    assert response.content.decode() == expected


def test_linkedin_link_has_exact_parameters(client, achievement):
    credential = _issue(achievement)
    valid_from = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    valid_until = datetime(2028, 11, 30, 12, 0, tzinfo=UTC)
    Credential.objects.filter(pk=credential.pk).update(valid_from=valid_from, valid_until=valid_until)
    html = _page(client, credential)
    link = unescape(re.search(r'<a class="button secondary" href="([^"]+)"[^>]*>Add to LinkedIn profile</a>', html)[1])
    # Through the share link, which counts the share for the issuer's analytics, then on to LinkedIn's form.
    assert link == f"/credentials/{credential.uuid}/share/linkedin"
    followed = client.get(link)
    assert followed.status_code == 302
    href = followed["Location"]
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    assert parse_qs(parts.query, keep_blank_values=True, strict_parsing=True) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Python Basics"],
        "organizationName": ["Test University"],
        "issueYear": ["2026"],
        "issueMonth": ["3"],
        "expirationYear": ["2028"],
        "expirationMonth": ["11"],
        "certUrl": [credential.public_id],
        "certId": [str(credential.uuid)],
    }


def test_linkedin_url_encodes_everything():
    url = linkedin_add_url(
        name="C++ & Data: 100% #1",
        organization="Åbo Akademi / Uni",
        issued=datetime(2026, 1, 2, tzinfo=UTC),
        expires=None,
        url="https://badges.example.test/credentials/abc?x=1&y=2",
        certificate_id="abc",
    )
    query = urlsplit(url).query
    assert " " not in query and "+" not in query and "#" not in query
    assert parse_qs(query, strict_parsing=True) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["C++ & Data: 100% #1"],
        "organizationName": ["Åbo Akademi / Uni"],
        "issueYear": ["2026"],
        "issueMonth": ["1"],
        "certUrl": ["https://badges.example.test/credentials/abc?x=1&y=2"],
        "certId": ["abc"],
    }


def test_share_by_email_and_copy_link(client, achievement):
    credential = _issue(achievement)
    html = _page(client, credential)
    link = unescape(re.search(r'<a class="button secondary" href="([^"]+)">Share by e-mail</a>', html)[1])
    assert link == f"/credentials/{credential.uuid}/share/email"
    href = client.get(link)["Location"]
    assert href == mailto_url(
        subject="Python Basics, awarded by Test University",
        body=f"Python Basics, awarded by Test University:\n{credential.public_id}",
    )
    query = parse_qs(urlsplit(href).query)
    assert query["body"] == [f"Python Basics, awarded by Test University:\n{credential.public_id}"]
    assert f'data-copy="{credential.public_id}"' in html
    assert EMAIL not in href


def test_qr_code_of_the_page_url(client, achievement):
    credential = _issue(achievement)
    html = _page(client, credential)
    figure = html.split('<figure class="qr"', 1)[1].split("</figure>", 1)[0]
    assert '<svg width="' in figure and 'class="segno"' in figure
    assert f"<title>QR code of {credential.public_id}</title>" in figure
    assert "<?xml" not in figure


def test_open_graph_and_twitter_tags_without_an_image(client, achievement):
    credential = _issue(achievement)
    html = _page(client, credential)
    assert _meta(html, "property", "og:title") == "Python Basics · Test University"
    assert _meta(html, "property", "og:description") == "Writes small Python programs.\nTests them too."
    assert _meta(html, "property", "og:url") == credential.public_id
    assert _meta(html, "name", "twitter:card") == "summary"
    # The baked default badge, made on its first fetch if no task has made it yet.
    og_image = _meta(html, "property", "og:image")
    assert og_image == f"{settings.SITE_URL}/credentials/{credential.uuid}?format=png"
    assert _meta(html, "name", "twitter:image") == og_image
    assert f'<img src="{og_image.replace("&", "&amp;")}"' in html


def test_open_graph_image_is_the_badge_image(client, achievement):
    from django.core.files.base import ContentFile

    achievement.image.save("badge.svg", ContentFile(b'<svg xmlns="http://www.w3.org/2000/svg"/>'))
    credential = _issue(achievement)
    html = _page(client, credential)
    og_image = _meta(html, "property", "og:image")
    assert og_image == f"{settings.SITE_URL}{achievement.image.url}"
    assert og_image.startswith("https://badges.example.test/media/achievements/")


def test_the_page_carries_a_live_verification_panel(client, achievement):
    from badges.services import AwardRequest, credential_issue, credential_revoke

    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="l@example.com"),
        source="ui",
        actor=owner(achievement.issuer),
    )
    page = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="text/html")
    assert page.context["verification"]["valid"] is True
    assert {c["id"]: c["status"] for c in page.context["verification"]["checks"]}["proof"] == "passed"
    credential_revoke(credential=credential, reason="test", actor=owner(achievement.issuer))
    page = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="text/html")
    assert page.context["verification"]["valid"] is False
    assert {c["id"]: c["status"] for c in page.context["verification"]["checks"]}["status"] == "failed"
    assert "✗ Not valid" in page.content.decode()
