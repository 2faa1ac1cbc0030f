"""What happens to an issuer's credentials is counted through the interfaces readers use — the public page, the
verify page and API, the share links — per achievement and day, and nothing about the reader is kept."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

import badges.verify
from analytics.models import DailyCount
from analytics.services import count_activity, flush_counts
from analytics.sources import daily_counts
from badges.models import Achievement
from badges.services import AwardRequest, credential_issue, credential_revoke
from tests.actors import owner
from tests.concurrency import in_thread, postgresql_only
from tests.public.test_verify_page import OfflineClient

pytestmark = pytest.mark.django_db
HTML = "text/html"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    # Our own credentials are checked from the database; nothing may leave the machine.
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


def _issue(achievement, email="lea@example.com"):
    request = AwardRequest(achievement=achievement, email=email, name="Lea Rner")
    return credential_issue(request=request, source="ui", notify=False, actor=owner(achievement.issuer))


def _counts(issuer) -> dict[tuple[str, str], int]:
    """{(achievement slug, kind): count} over every day."""
    slugs = dict(Achievement.objects.filter(issuer=issuer).values_list("pk", "slug"))
    found: dict[tuple[str, str], int] = {}
    for _day, achievement_id, kind, count in daily_counts(issuer):
        found[(slugs[achievement_id], kind)] = found.get((slugs[achievement_id], kind), 0) + count
    return found


def test_the_counts_hold_no_personal_data():
    columns = {field.column for field in DailyCount._meta.concrete_fields}
    assert columns == {"id", "issuer_id", "achievement_id", "day", "kind", "count"}
    with connection.cursor() as cursor:
        described = {
            column.name for column in connection.introspection.get_table_description(cursor, "analytics_dailycount")
        }
    assert described == columns


def test_a_view_of_the_public_page_is_counted_once_per_html_get(client, achievement):
    credential = _issue(achievement)
    assert _counts(achievement.issuer) == {("python-basics", "issued"): 1}
    assert client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML).status_code == 200
    assert client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML).status_code == 200
    # Not views: the signed document, a download, a link checker's HEAD.
    client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="application/json")
    client.get(f"/credentials/{credential.uuid}?format=png")
    client.head(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)
    assert _counts(achievement.issuer) == {("python-basics", "issued"): 1, ("python-basics", "view"): 2}
    row = DailyCount.objects.get()
    assert (row.issuer_id, row.achievement_id, row.day, row.kind, row.count) == (
        achievement.issuer_id,
        achievement.pk,
        timezone.localdate(),
        "view",
        2,
    )


def test_verifications_of_ours_are_counted_by_page_and_api(client, achievement):
    credential = _issue(achievement)
    revoked = _issue(achievement, email="rev@example.com")
    credential_revoke(credential=revoked, reason="fraud", actor=owner(achievement.issuer))
    assert client.post("/verify", {"credential": credential.document}).status_code == 200
    assert client.get(f"/verify/{credential.uuid}").status_code == 200
    response = client.generic("POST", "/api/v1/verify", credential.document, content_type="application/json")
    assert response.status_code == 200
    # A revoked credential checked by an employer was verified all the same.
    assert client.post("/verify", {"credential": revoked.document}).status_code == 200
    assert _counts(achievement.issuer)[("python-basics", "verification")] == 4


def test_what_is_not_ours_is_not_counted(client, achievement):
    credential = _issue(achievement)
    assert client.post("/verify", {"credential": "not a credential"}).status_code == 400
    # Our credential's id under another issuer's name: a forgery names us, it is not a verification of ours.
    document = json.loads(credential.document)
    document["issuer"]["id"] = "did:web:evil.example"
    forged = json.dumps(document)
    client.post("/verify", {"credential": forged})
    assert not DailyCount.objects.exists()


def test_a_share_link_is_counted_and_leads_on(client, achievement):
    credential = _issue(achievement)
    linkedin = client.get(f"/credentials/{credential.uuid}/share/linkedin")
    email = client.get(f"/credentials/{credential.uuid}/share/email")
    assert (linkedin.status_code, email.status_code) == (302, 302)
    assert linkedin["Location"].startswith("https://www.linkedin.com/profile/add?")
    assert email["Location"].startswith("mailto:?subject=")
    assert linkedin["Cache-Control"] == "no-store"
    assert _counts(achievement.issuer)[("python-basics", "share")] == 2


def test_a_share_link_goes_nowhere_else(client, achievement):
    credential = _issue(achievement)
    assert client.get(f"/credentials/{credential.uuid}/share/evil").status_code == 404
    assert client.get(f"/credentials/{credential.uuid}/share/linkedin?next=https://evil.example")[
        "Location"
    ].startswith("https://www.linkedin.com/")
    credential_revoke(credential=credential, reason="fraud", actor=owner(achievement.issuer))
    # A badge that does not hold is not shared (D47): back to its page, uncounted.
    response = client.get(f"/credentials/{credential.uuid}/share/linkedin")
    assert (response.status_code, response["Location"]) == (302, credential.public_id)
    assert DailyCount.objects.get(kind="share").count == 1  # the share before the revocation only


def test_counting_that_fails_never_breaks_the_page(client, achievement, caplog, settings):
    credential = _issue(achievement)
    with connection.cursor() as cursor:  # the table gone: every write of a count fails in the database
        cursor.execute("DROP TABLE analytics_dailycount")
    caplog.set_level(logging.WARNING, logger="analytics.services")
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)
    assert response.status_code == 200
    assert "Could not write 1 analytics counts" in caplog.text
    assert client.post("/verify", {"credential": credential.document}).status_code == 200


def test_counts_are_buffered_then_written_in_one_batch(client, achievement, settings, django_assert_num_queries):
    settings.ANALYTICS_FLUSH_SECONDS = 3600
    credential = _issue(achievement)
    for _ in range(3):
        client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)
    assert not DailyCount.objects.exists()
    assert flush_counts() == 1
    assert DailyCount.objects.get().count == 3
    count_activity("view", achievement.issuer_id, achievement.pk)
    count_activity("share", achievement.issuer_id, achievement.pk)
    assert flush_counts() == 2
    assert sorted(DailyCount.objects.values_list("kind", "count")) == [("share", 1), ("view", 4)]


def test_an_unknown_kind_is_refused(achievement):
    with pytest.raises(ValueError, match="Not a counted kind: 'like'"):
        count_activity("like", achievement.issuer_id, achievement.pk)


def test_counts_are_per_issuer(client, achievement, other_issuer):
    theirs = Achievement.objects.create(issuer=other_issuer, slug="theirs", name="Theirs")
    count_activity("view", other_issuer.pk, theirs.pk, day=date.today() - timedelta(days=1))
    credential = _issue(achievement)
    client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)
    assert _counts(achievement.issuer) == {("python-basics", "issued"): 1, ("python-basics", "view"): 1}
    assert _counts(other_issuer) == {("theirs", "view"): 1}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_counts_lose_nothing(achievement):
    threads = [
        in_thread(lambda: [count_activity("view", achievement.issuer_id, achievement.pk) for _ in range(25)])
        for _ in range(4)
    ]
    for thread, _ in threads:
        thread.join()
    assert [error for _, errors in threads for error in errors] == []
    assert DailyCount.objects.get().count == 100
