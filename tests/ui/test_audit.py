"""The audit log page: every member reads it, 50 rows a page, filtered by kind and date range."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from issuer.models import AuditEvent, Issuer
from issuer.services import audit_record
from tests.ui.conftest import expected_status

WHO = [None, "stranger", "owner", "editor", "awarder", "viewer"]
ALL_STAFF = {"owner", "editor", "awarder", "viewer"}


def url(issuer: Issuer) -> str:
    return f"/manage/{issuer.slug}/audit/"


def add_events(issuer: Issuer, action: str, count: int, when: datetime | None = None) -> list[int]:
    ids = [audit_record(issuer=issuer, action=action, obj=issuer, actor_label="test").pk for _ in range(count)]
    if when is not None:
        AuditEvent.objects.filter(pk__in=ids).update(created_at=when)  # rows are append-only; tests may backdate
    return ids


@pytest.mark.parametrize("who", WHO)
def test_audit_page_permission_matrix(client_as, issuer, who):
    response = client_as(who).get(url(issuer))
    assert response.status_code == expected_status(who, ALL_STAFF)
    if who is None:
        assert response["Location"].startswith("/accounts/login/")
    if response.status_code == 200:
        # The fixtures' own history: the issuer, its first key and four staff.
        actions = sorted(e.action for e in response.context["page"].object_list)
        assert actions == ["issuer.created", "key.created"] + ["staff.added"] * 4


def test_fifty_rows_a_page_newest_first(client_as, issuer, other_issuer):
    add_events(other_issuer, "issuer.updated", 3)
    ids = add_events(issuer, "credential.issued", 100)
    client = client_as("viewer")
    first = client.get(url(issuer))
    assert [e.pk for e in first.context["page"].object_list] == ids[::-1][:50]
    assert first.context["page"].paginator.count == 106
    assert b"106 entries, page 1 of 3." in first.content
    assert b'href="?page=2" rel="next">Older</a>' in first.content
    last = client.get(url(issuer), {"page": 3})
    assert len(last.context["page"].object_list) == 6
    assert {e.issuer_id for e in last.context["page"].object_list} == {issuer.pk}
    assert client.get(url(issuer), {"page": "nonsense"}).context["page"].number == 1


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("key.", {"key.created", "key.rotated"}), ("credential.", {"credential.revoked"}), ("", None)],
)
def test_filter_by_kind(client_as, issuer, prefix, expected):
    add_events(issuer, "key.rotated", 2)
    add_events(issuer, "credential.revoked", 1)
    add_events(issuer, "keyboard.pressed", 1)  # a prefix is a whole segment: "key." does not match "keyboard."
    response = client_as("viewer").get(url(issuer), {"action": prefix})
    actions = {e.action for e in response.context["page"].object_list}
    if expected is None:
        assert actions == {
            "issuer.created",
            "key.created",
            "staff.added",
            "key.rotated",
            "credential.revoked",
            "keyboard.pressed",
        }
    else:
        assert actions == expected


def test_filter_by_date_range_is_inclusive(client_as, issuer):
    add_events(issuer, "credential.issued", 1, datetime(2025, 3, 31, 23, 59, tzinfo=UTC))
    inside = add_events(issuer, "credential.issued", 1, datetime(2025, 4, 1, 0, 0, tzinfo=UTC))
    inside += add_events(issuer, "credential.revoked", 1, datetime(2025, 4, 30, 23, 59, 59, tzinfo=UTC))
    add_events(issuer, "credential.issued", 1, datetime(2025, 5, 1, 0, 0, tzinfo=UTC))
    response = client_as("viewer").get(url(issuer), {"since": "2025-04-01", "until": "2025-04-30"})
    assert [e.pk for e in response.context["page"].object_list] == inside[::-1]
    response = client_as("viewer").get(
        url(issuer), {"action": "credential.", "since": "2025-04-15", "until": "2025-04-30"}
    )
    assert {e.action for e in response.context["page"].object_list} == {"credential.revoked"}


def test_filters_keep_their_values_through_the_pages(client_as, issuer):
    add_events(issuer, "credential.issued", 60, datetime(2025, 4, 2, tzinfo=UTC))
    response = client_as("viewer").get(url(issuer), {"action": "credential.", "since": "2025-04-01"})
    assert b'href="?action=credential.&amp;since=2025-04-01&amp;page=2" rel="next"' in response.content
    assert b'<option value="credential." selected>' in response.content
    assert b'value="2025-04-01"' in response.content


def test_invalid_dates_are_explained_and_kept(client_as, issuer):
    add_events(issuer, "key.rotated", 1)
    response = client_as("viewer").get(url(issuer), {"action": "key.", "since": "2025-05-02", "until": "2025-05-01"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"until": ["The end date is before the start date."]}
    assert b'value="2025-05-01"' in response.content
    # The filters that are valid still apply: the kind and the start date.
    assert {e.action for e in response.context["page"].object_list} == {"key.created", "key.rotated"}
    response = client_as("viewer").get(url(issuer), {"action": "key.", "since": "yesterday"})
    assert response.context["form"].errors == {"since": ["Enter a valid date."]}
    assert b'value="yesterday"' in response.content
    assert {e.action for e in response.context["page"].object_list} == {"key.created", "key.rotated"}


def test_settings_changes_appear_in_the_log(client_as, issuer):
    client = client_as("owner")
    client.post(f"/manage/{issuer.slug}/keys/rotate/", {"purpose": "jwt", "algorithm": "Ed25519"})
    response = client.get(url(issuer), {"action": "key."})
    [jwt_key, first_key] = response.context["page"].object_list
    assert (jwt_key.action, jwt_key.actor.username, jwt_key.data["purpose"]) == ("key.created", "alice", "jwt")
    assert (first_key.action, first_key.actor.username, first_key.data["purpose"]) == (
        "key.created",
        "alice",
        "data_integrity",
    )
    assert b"<td>key.created</td>" in response.content
