"""The audit log page: every member reads it, in sentences, 50 rows a page, filtered by kind, person, date range and
recipient or achievement; a bad filter is explained (400), never a server error; another issuer's rows never show."""

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
    assert response.status_code == 400
    assert response.context["form"].errors == {"until": ["The end date is before the start date."]}
    assert b'value="2025-05-01"' in response.content
    assert "One filter was not applied: please correct it below. The others are applied." in response.content.decode()
    # The filters that are valid still apply: the kind and the start date.
    assert {e.action for e in response.context["page"].object_list} == {"key.created", "key.rotated"}
    response = client_as("viewer").get(url(issuer), {"action": "key.", "since": "yesterday"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"since": ["Enter a date, like 2030-01-31."]}
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
    assert "<td>alice created the signing key key-ed25519-" in response.content.decode()
    assert "{" not in response.content.decode().split("<tbody>")[1].split("</tbody>")[0]  # no JSON anywhere


# --- sentences, the new filters, bad input, isolation ---------------------------------------------------------------


@pytest.fixture
def awards(issuer, other_issuer, achievement, staff):
    """Two awards by alice, one of them revoked by the awarder; and one award to a Jane in the other issuer."""
    from badges.achievements import achievement_create
    from badges.services import AwardRequest, credential_issue, credential_revoke

    def issue(achievement, email, name, actor):
        request = AwardRequest(achievement=achievement, email=email, name=name)
        return credential_issue(request=request, source="ui", notify=False, actor=actor)

    jane = issue(achievement, "jane@example.org", "Jane Doe", staff["owner"])
    issue(achievement, "li@example.org", "Li Wei", staff["owner"])
    credential_revoke(credential=jane, reason="Wrong cohort", actor=staff["awarder"])
    theirs = achievement_create(
        issuer=other_issuer,
        actor=staff["stranger"],
        data={"name": "Python Basics", "description": "Theirs.", "criteria_narrative": "Theirs."},
    )
    issue(theirs, "jane@other.example.org", "Jane Other", staff["stranger"])
    return jane


def _sentences(response) -> list[str]:
    return [line.sentence for line in response.context["lines"]]


def test_the_log_reads_as_sentences(client_as, issuer, awards):
    response = client_as("viewer").get(url(issuer), {"action": "credential."})
    assert _sentences(response) == [
        "awarder revoked Jane Doe's “Python Basics” — reason: Wrong cohort",
        "alice awarded “Python Basics” to Li Wei",
        "alice awarded “Python Basics” to Jane Doe",
    ]
    assert "awarder revoked Jane Doe&#x27;s “Python Basics” — reason: Wrong cohort</td>" in response.content.decode()


def test_filter_by_one_action(client_as, issuer, awards):
    response = client_as("viewer").get(url(issuer), {"action": "credential.revoked"})
    assert _sentences(response) == ["awarder revoked Jane Doe's “Python Basics” — reason: Wrong cohort"]
    assert b'<option value="credential.revoked" selected>Revoked</option>' in response.content


def test_filter_by_person(client_as, issuer, awards, staff):
    client = client_as("viewer")
    response = client.get(url(issuer), {"actor": str(staff["awarder"].pk)})
    assert [line.event.action for line in response.context["lines"]] == ["credential.revoked"]
    # "system": the rows that name no person (here, one the platform writes when a job finishes).
    from issuer.services import audit_record

    audit_record(issuer=issuer, action="bulk.finished", obj=issuer, data={"done": 3, "failed": 0})
    assert [line.event.action for line in client.get(url(issuer), {"actor": "system"}).context["lines"]] == [
        "bulk.finished"
    ]
    # Everyone the filter offers: the staff and whoever acted, by name; never another issuer's people.
    choices = [label for value, label in response.context["form"].fields["actor"].choices]
    assert choices == ["Anyone", "alice", "awarder", "editor", "viewer", "The platform (no person)"]


def test_filter_by_recipient_or_achievement(client_as, issuer, awards):
    client = client_as("viewer")
    response = client.get(url(issuer), {"q": "  jane  "})
    assert _sentences(response) == [
        "awarder revoked Jane Doe's “Python Basics” — reason: Wrong cohort",
        "alice awarded “Python Basics” to Jane Doe",
    ]
    assert b'value="  jane  "' in response.content  # as typed
    response = client.get(url(issuer), {"q": "python"})  # the achievement's own rows too
    assert {line.event.action for line in response.context["lines"]} == {"credential.issued", "credential.revoked"}
    assert len(response.context["lines"]) == 3
    assert _sentences(client.get(url(issuer), {"q": "nobody-at-all"})) == []
    assert "No entry matches these filters." in client.get(url(issuer), {"q": "nobody-at-all"}).content.decode()


@pytest.mark.parametrize(
    ("_case", "params", "errors"),
    [
        ("unknown kind", {"action": "credential.exploded"}, {"action": ["Choose a kind from the list."]}),
        ("unknown person", {"actor": "999999"}, {"actor": ["Choose someone from the list."]}),
        ("not a person", {"actor": "'; drop table"}, {"actor": ["Choose someone from the list."]}),
        ("bad date", {"until": "2025-02-30"}, {"until": ["Enter a date, like 2030-01-31."]}),
        ("too long", {"q": "x" * 201}, {"q": ["Search for at most 200 characters."]}),
        ("NUL character", {"q": "ja\x00ne"}, {"q": ["Null characters are not allowed."]}),
    ],
)
def test_bad_filters_are_explained_with_400(client_as, issuer, awards, _case, params, errors):
    response = client_as("viewer").get(url(issuer), params)
    assert response.status_code == 400
    assert response.context["form"].errors == errors
    # The rest of the log is still shown, unfiltered by what was wrong.
    assert response.context["page"].paginator.count == AuditEvent.objects.filter(issuer=issuer).count()


def test_the_last_day_of_the_calendar_is_a_valid_end(client_as, issuer, awards):
    response = client_as("viewer").get(url(issuer), {"since": "0001-01-01", "until": "9999-12-31"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == AuditEvent.objects.filter(issuer=issuer).count()


def test_another_issuers_people_and_rows_stay_out(client_as, issuer, other_issuer, awards, staff):
    client = client_as("viewer")
    # Their owner is not a choice, and their award to a "jane" is not found.
    response = client.get(url(issuer), {"actor": str(staff["stranger"].pk)})
    assert response.status_code == 400
    assert {line.event.issuer_id for line in client.get(url(issuer), {"q": "jane"}).context["lines"]} == {issuer.pk}


def test_the_selector_refuses_anyone_but_the_issuers_staff(issuer, other_issuer, staff):
    from issuer.permissions import NotAuthorized
    from issuer.selectors import audit_events

    with pytest.raises(NotAuthorized):
        audit_events(issuer, viewer=staff["stranger"])
    assert {event.issuer_id for event in audit_events(issuer, viewer=staff["viewer"])} == {issuer.pk}
