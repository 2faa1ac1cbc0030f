"""Export credentials (CSV) from the awards list: who may, the columns, the list's filters, bad filters, tenant
isolation, the formula guard and the streaming."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import timedelta

import pytest
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone

from badges.exports import CREDENTIAL_COLUMNS, credential_export, csv_chunks, safe_cell
from badges.models import Achievement, Credential
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend
from bulk.jobs import bulk_job_create, bulk_job_start
from issuer.permissions import NotAuthorized
from tests.actors import owner
from tests.ui.conftest import expected_status

EVERYONE = [None, "stranger", "owner", "editor", "awarder", "viewer"]
VIEWERS = {"owner", "editor", "awarder", "viewer"}


def _issue(achievement, email, **kwargs):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email, **kwargs),
        source="ui",
        actor=owner(achievement.issuer),
    )


def _url(issuer) -> str:
    return f"/manage/{issuer.slug}/awards/export.csv"


def _rows(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = response.getvalue().decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert header == CREDENTIAL_COLUMNS
    return [dict(zip(header, row, strict=True)) for row in reader]


def _links(credential) -> dict[str, str]:
    return {
        "credential_id": str(credential.uuid),
        "public_url": f"{settings.SITE_URL}/credentials/{credential.uuid}",
        "verification_url": f"{settings.SITE_URL}/verify/{credential.uuid}",
    }


@pytest.mark.parametrize("who", EVERYONE)
def test_who_may_export(client_as, issuer, achievement, who):
    _issue(achievement, "ada@example.org")
    response = client_as(who).get(_url(issuer))
    assert response.status_code == expected_status(who, VIEWERS)
    if response.status_code == 200:
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith(f'attachment; filename="{issuer.slug}-credentials-')
        assert response["Cache-Control"] == "no-store"
        assert [row["email"] for row in _rows(response)] == ["ada@example.org"]


def test_every_column_of_every_state(client_as, issuer, achievement, run):
    # given: an active award, a revoked one, a suspended one, one not valid yet, and one from a bulk upload
    active = _issue(achievement, "ada@example.org", name="Ada Lovelace")
    revoked = _issue(achievement, "bob@example.org", name="Bob")
    credential_revoke(credential=revoked, reason="Awarded by mistake", actor=owner(issuer))
    suspended = _issue(achievement, "cy@example.org")
    credential_suspend(credential=suspended, reason="Under review", actor=owner(issuer))
    later = timezone.now() + timedelta(days=30)
    pending = _issue(achievement, "dee@example.org", valid_from=later)
    job, _ = bulk_job_create(
        issuer=issuer,
        data=b"email,name,external_id\neve@example.org,Eve,STU-0042\n",
        filename="cohort.csv",
        achievement=achievement,
        actor=owner(issuer),
    )
    run(bulk_job_start, job=job, actor=owner(issuer))
    from_bulk = Credential.objects.get(recipient_email="eve@example.org")

    # when
    rows = _rows(client_as("viewer").get(_url(issuer)))

    # then: newest first, as the list shows them
    def issued_at(credential) -> str:
        return credential.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    common = {"achievement": "Python Basics"}
    assert rows == [
        {
            **common,
            "email": "eve@example.org",
            "name": "Eve",
            "external_id": "STU-0042",
            "status": "issued",
            "reason": "",
            "issued_at": issued_at(from_bulk),
            **_links(from_bulk),
        },
        {
            **common,
            "email": "dee@example.org",
            "name": "",
            "external_id": "",
            "status": "issued",
            "reason": f"not valid before {later:%Y-%m-%d}",
            "issued_at": issued_at(pending),
            **_links(pending),
        },
        {
            **common,
            "email": "cy@example.org",
            "name": "",
            "external_id": "",
            "status": "suspended",
            "reason": "Under review",
            "issued_at": issued_at(suspended),
            **_links(suspended),
        },
        {
            **common,
            "email": "bob@example.org",
            "name": "Bob",
            "external_id": "",
            "status": "revoked",
            "reason": "Awarded by mistake",
            "issued_at": issued_at(revoked),
            **_links(revoked),
        },
        {
            **common,
            "email": "ada@example.org",
            "name": "Ada Lovelace",
            "external_id": "",
            "status": "issued",
            "reason": "",
            "issued_at": issued_at(active),
            **_links(active),
        },
    ]


def test_expired_credentials_say_when(issuer, achievement):
    credential = _issue(achievement, "ada@example.org", valid_until=timezone.now() + timedelta(days=1))
    later = timezone.now() + timedelta(days=2)
    queryset = Credential.objects.all()
    [row] = list(credential_export(issuer=issuer, actor=owner(issuer), credentials=queryset, now=later))
    assert row[4:6] == ["expired", f"expired on {credential.valid_until:%Y-%m-%d}"]


def test_the_list_filters_apply_to_every_page(client_as, issuer, achievement):
    other = Achievement.objects.create(issuer=issuer, slug="sql", name="SQL Fundamentals", description="SQL.")
    for n in range(30):  # more than a page of the list (25)
        _issue(achievement, f"learner{n}@example.org")
    _issue(other, "learner99@example.org")
    revoked = _issue(achievement, "ada@example.org", name="Ada")
    credential_revoke(credential=revoked, reason="Duplicate", actor=owner(issuer))
    client = client_as("viewer")

    assert len(_rows(client.get(_url(issuer), {"page": "1"}))) == 32
    assert len(_rows(client.get(_url(issuer), {"achievement": "python-basics"}))) == 31
    assert [row["email"] for row in _rows(client.get(_url(issuer), {"achievement": "sql"}))] == [
        "learner99@example.org"
    ]
    assert [row["email"] for row in _rows(client.get(_url(issuer), {"status": "revoked"}))] == ["ada@example.org"]
    assert [row["email"] for row in _rows(client.get(_url(issuer), {"q": "ADA"}))] == ["ada@example.org"]


def test_the_list_links_to_the_export_with_its_filters(client_as, issuer, achievement):
    _issue(achievement, "ada@example.org")
    response = client_as("viewer").get(f"/manage/{issuer.slug}/awards/", {"status": "active", "page": "1"})
    assert f'href="{_url(issuer)}?status=active" download>Export credentials (CSV)</a>' in response.content.decode()
    # A filter the list ignores would make the file say something else than the list: no link then.
    response = client_as("viewer").get(f"/manage/{issuer.slug}/awards/", {"since": "someday"})
    assert "Export credentials (CSV)" not in response.content.decode()


@pytest.mark.parametrize(
    ("_case", "params", "message"),
    [
        ("bad date", {"since": "someday"}, "Issued since: Enter a date, like 2030-01-31."),
        ("bad status", {"status": "lost"}, "Status: Select a valid choice. lost is not one of the available choices."),
        ("another issuer's achievement", {"achievement": "theirs"}, "That achievement is not one of this issuer's."),
    ],
)
def test_bad_filters_refuse_the_export(client_as, issuer, other_issuer, achievement, _case, params, message):
    Achievement.objects.create(issuer=other_issuer, slug="theirs", name="Theirs", description="Not ours.")
    _issue(achievement, "ada@example.org")
    response = client_as("viewer").get(_url(issuer), params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("Nothing was exported. Correct the filters on the awards page:\n")
    assert message in text
    assert "ada@example.org" not in text


def test_another_issuers_credentials_never_leave(client_as, issuer, other_issuer, achievement):
    theirs = Achievement.objects.create(issuer=other_issuer, slug="theirs", name="Theirs", description="Not ours.")
    _issue(theirs, "ada@other.example.org")
    _issue(achievement, "ada@example.org")
    assert [row["email"] for row in _rows(client_as("viewer").get(_url(issuer), {"q": "ada"}))] == ["ada@example.org"]
    # The service itself refuses a caller who is not the issuer's staff, and filters whatever queryset it is given.
    with pytest.raises(NotAuthorized):
        credential_export(issuer=issuer, actor=owner(other_issuer), credentials=Credential.objects.all())
    rows = credential_export(issuer=issuer, actor=owner(issuer), credentials=Credential.objects.all())
    assert [row[0] for row in rows] == ["ada@example.org"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_would_run_as_formulas_are_quoted(start):
    assert safe_cell(f'{start}HYPERLINK("https://evil.example")') == f'\'{start}HYPERLINK("https://evil.example")'


def test_formula_guard_in_the_export(client_as, issuer, achievement):
    # given: text a learner or a colleague typed, starting like a formula
    credential = _issue(achievement, "+1@example.org", name='=HYPERLINK("https://evil.example","Click")')
    credential_revoke(credential=credential, reason="-2+3 @SUM(A1)", actor=owner(issuer))

    [row] = _rows(client_as("viewer").get(_url(issuer)))

    assert row["email"] == "'+1@example.org"
    assert row["name"] == '\'=HYPERLINK("https://evil.example","Click")'
    assert row["reason"] == "'-2+3 @SUM(A1)"
    # Plain values are left as they are.
    assert safe_cell("Ada") == "Ada" and safe_cell(42) == "42" and safe_cell(None) == ""


def test_rows_are_read_as_the_response_is_sent(issuer, achievement, django_assert_num_queries):
    for n in range(5):
        _issue(achievement, f"learner{n}@example.org")
    alice = owner(issuer)
    with django_assert_num_queries(1):  # the role of the caller, nothing read yet
        rows = credential_export(issuer=issuer, actor=alice, credentials=Credential.objects.all())
    chunks = csv_chunks(CREDENTIAL_COLUMNS, rows, batch=2)
    with django_assert_num_queries(0):
        assert next(chunks).decode() == ",".join(CREDENTIAL_COLUMNS) + "\n"
    with django_assert_num_queries(1):  # one query, read in batches as the chunks are written
        assert next(chunks).decode().count("\n") == 2
        assert [chunk.decode().count("\n") for chunk in chunks] == [2, 1]


def test_a_hundred_thousand_rows_stream_in_little_memory():
    # The CSV writer keeps at most one batch: its peak does not grow with the number of rows.
    row = ["ada@example.org", "Ada Lovelace", "S-1", "Python Basics", "issued", "", "2026-01-01T00:00:00Z"]
    row += ["00000000-0000-0000-0000-000000000000", "https://x/credentials/0", "https://x/verify/0"]
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in csv_chunks(CREDENTIAL_COLUMNS, (row for _ in range(100_000))))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 14_000_000  # the whole file went through
    assert peak < 2_000_000
