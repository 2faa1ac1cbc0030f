"""The public credential page says, at the top and in plain words, when a badge does not hold (revoked, suspended,
expired, not yet valid), and then offers nothing that shares it (docs/decisions.md D47); the page itself still
answers, and a change of state shows on the very next request whatever was kept (D40)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend, credential_unsuspend
from issuer.models import AuditEvent
from tests.actors import owner

pytestmark = pytest.mark.django_db
HTML = "text/html"

# What shares a badge, or passes it off as valid: none of it may be on the page of one that does not hold.
SHARING = (
    "/share/linkedin",
    "Add to LinkedIn profile",
    "Share by e-mail",
    "/share/email",
    "data-copy=",
    'id="share-url"',
    '<figure class="qr">',
    "Download the badge (PNG)",
    "Download the badge (SVG)",
    "js/copy-link.js",
)


def _issue(achievement, **kwargs):
    request = AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner", **kwargs)
    return credential_issue(request=request, source="ui", notify=False, actor=owner(achievement.issuer))


def _html(client, credential) -> str:
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)
    assert response.status_code == 200  # an old link still answers, and says what became of the badge
    return response.content.decode()


def _decided_on(credential, action: str) -> str:
    """The day the audit log recorded the issuer's decision, as the page writes it."""
    row = AuditEvent.objects.get(object_type="credential", object_id=str(credential.pk), action=action)
    return f'<time datetime="{row.created_at.isoformat()}">{row.created_at.day} {row.created_at:%B %Y}</time>'


def _expired(achievement):
    # Real time, nothing mocked: issued with an end a moment away, read once the clock has passed it.
    ends = timezone.now() + timedelta(seconds=1)
    credential = _issue(achievement, valid_until=ends)
    time.sleep(max(0.0, (ends - timezone.now()).total_seconds()) + 0.05)
    return credential


def assert_no_sharing(html: str) -> None:
    assert [marker for marker in SHARING if marker in html] == []


def test_a_valid_badge_offers_every_way_to_share_it(client, achievement):
    html = _html(client, _issue(achievement))
    assert '<span class="badge-status status-active">Valid</span>' in html
    assert [marker for marker in SHARING if marker not in html] == []
    assert "This page stays at its address" not in html


def test_a_revoked_badge_says_who_revoked_it_and_when_and_offers_no_sharing(client, achievement):
    credential = _issue(achievement)
    credential_revoke(credential=credential, reason="Awarded by mistake", actor=owner(achievement.issuer))

    html = _html(client, credential)

    assert '<span class="badge-status status-revoked">Revoked</span> This badge is no longer valid.' in html
    assert (
        f"Test University revoked this badge on {_decided_on(credential, 'credential.revoked')}. "
        "It cannot be used as proof of this achievement."
    ) in html
    assert "Awarded by mistake" not in html  # the reason is for the issuer's staff
    assert "<title>Revoked: Python Basics · Lea Rner · Open Badges</title>" in html
    assert '<meta property="og:title" content="Revoked: Python Basics · Test University">' in html
    assert 'class="badge-image not-current"' in html
    assert_no_sharing(html)
    # The signed file stays, for verifiers, which read the status list and report the revocation.
    assert 'href="?format=json"' in html
    assert "reports it as revoked" in html


def test_a_suspended_badge_says_so_until_it_is_reinstated(client, achievement):
    credential = _issue(achievement)
    credential_suspend(credential=credential, reason="Under review", actor=owner(achievement.issuer))

    html = _html(client, credential)
    assert (
        '<span class="badge-status status-suspended">Suspended</span> This badge is not valid while it is suspended.'
        in html
    )
    assert (
        f"Test University suspended this badge on {_decided_on(credential, 'credential.suspended')}. "
        "Until Test University reinstates it, it cannot be used as proof of this achievement."
    ) in html
    assert "Under review" not in html
    assert_no_sharing(html)

    credential_unsuspend(credential=credential, actor=owner(achievement.issuer))
    html = _html(client, credential)
    assert '<span class="badge-status status-active">Valid</span>' in html
    assert "Add to LinkedIn profile" in html


def test_an_expired_badge_says_when_it_expired(client, achievement):
    credential = _expired(achievement)
    end = credential.valid_until

    html = _html(client, credential)

    assert '<span class="badge-status status-expired">Expired</span> This badge is no longer valid.' in html
    assert (
        f'It expired on <time datetime="{end.isoformat()}">{end.day} {end:%B %Y}</time>. '
        "It showed this achievement until then; it cannot be used as proof of it now."
    ) in html
    assert_no_sharing(html)


def test_a_badge_not_yet_valid_says_from_when(client, achievement):
    starts = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    credential = _issue(achievement, valid_from=starts)

    html = _html(client, credential)

    assert '<span class="badge-status status-pending">Not yet valid</span> This badge is not valid yet.' in html
    assert (
        f'It becomes valid on <time datetime="{starts.isoformat()}">{starts.day} {starts:%B %Y, %H:%M} UTC</time>. '
        "Until then it cannot be used as proof of this achievement."
    ) in html
    assert_no_sharing(html)


def test_revoking_an_already_viewed_badge_changes_its_page_at_once(client, achievement):
    credential = _issue(achievement)
    first = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)
    kept = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)
    assert kept["ETag"] == first["ETag"]  # the fragments are kept (D40)
    assert "Add to LinkedIn profile" in kept.content.decode()

    credential_revoke(credential=credential, reason="Awarded by mistake", actor=owner(achievement.issuer))

    after = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    html = after.content.decode()
    assert "Test University revoked this badge on" in html
    assert_no_sharing(html)
