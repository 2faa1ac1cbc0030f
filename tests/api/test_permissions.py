"""Who may do what: token scopes, one issuer's token on another's data (404, nothing changes), and signed-in staff
by role (the issuer UI's matrix, D12)."""

from __future__ import annotations

import pytest
from django.test import Client

from badges.models import Credential
from bulk.models import BulkJob, BulkJobStatus
from issuer.models import AuditEvent
from tests.api.conftest import ApiClient, assert_problem, job_url, jobs_url, make_token, upload
from tests.ui.conftest import staff  # noqa: F401 - fixture


def test_a_read_only_token_cannot_create(issuer, achievement):
    client = ApiClient(make_token(issuer, scopes=["bulk:read"])[1])

    response = client.post(jobs_url(), upload(achievement="python-basics"))

    assert_problem(response, 403, "insufficient-scope", "This token lacks the scope bulk:write.")
    assert BulkJob.objects.count() == 0
    assert not AuditEvent.objects.filter(action="bulk.created").exists()


def test_a_read_only_token_cannot_start_or_cancel(issuer, job):
    client = ApiClient(make_token(issuer, scopes=["bulk:read"])[1])

    for action in ("start", "pause", "cancel"):
        assert_problem(client.post(job_url(job, f"/{action}")), 403, "insufficient-scope")
    assert_problem(client.post(job_url(job, "/undo"), {"reason": "x"}), 403, "insufficient-scope")
    job.refresh_from_db()
    assert job.status == BulkJobStatus.VALIDATED
    assert Credential.objects.count() == 0
    assert client.get(job_url(job)).status_code == 200


def test_write_implies_read(issuer, job):
    client = ApiClient(make_token(issuer, scopes=["bulk:write"])[1])

    assert client.get(jobs_url()).status_code == 200


def test_a_token_without_the_resource_is_403(issuer, job):
    client = ApiClient(make_token(issuer, scopes=["achievements:write", "credentials:read"])[1])

    assert_problem(client.get(jobs_url()), 403, "insufficient-scope", "bulk:read")
    assert_problem(client.get(job_url(job, "/rows")), 403, "insufficient-scope", "bulk:read")


def _requests(job):
    return [
        ("get", jobs_url(job.issuer.slug), None),
        ("post", jobs_url(job.issuer.slug), {"achievement": "other-badge", "rows": [{"email": "x@example.org"}]}),
        ("get", job_url(job), None),
        ("get", job_url(job, "/rows"), None),
        ("get", job_url(job, "/results"), None),
        ("post", job_url(job, "/start"), None),
        ("post", job_url(job, "/pause"), None),
        ("post", job_url(job, "/cancel"), None),
        ("post", job_url(job, "/undo"), {"reason": "not yours"}),
    ]


def test_a_token_never_reaches_another_issuer(api, issuer, other_job):
    missing_issuer = api.get(jobs_url("no-such-issuer"))
    assert_problem(missing_issuer, 404, "not-found")
    before = BulkJob.objects.values().get(pk=other_job.pk)
    events = AuditEvent.objects.count()

    for method, url, body in _requests(other_job):
        response = getattr(api, method)(url, body)
        assert_problem(response, 404, "not-found")
        assert response.json() == missing_issuer.json(), url  # the same answer as for an issuer that does not exist

    assert BulkJob.objects.values().get(pk=other_job.pk) == before
    assert BulkJob.objects.filter(issuer=issuer).count() == 0
    assert AuditEvent.objects.count() == events
    assert Credential.objects.count() == 0


def test_another_issuers_job_under_the_own_issuer_is_404(api, other_job):
    before = BulkJob.objects.values().get(pk=other_job.pk)

    for method, url, body in _requests(other_job):
        if "/bulk-jobs/" not in url:
            continue
        response = getattr(api, method)(url.replace("/issuers/other/", "/issuers/uni/"), body)
        assert_problem(response, 404, "not-found", "No such bulk job.")

    assert BulkJob.objects.values().get(pk=other_job.pk) == before
    assert Credential.objects.count() == 0


EVERYONE = [None, "stranger", "owner", "editor", "awarder", "viewer"]


def _session(staff, who, *, csrf_checks=False):  # noqa: F811
    client = ApiClient(client=Client(enforce_csrf_checks=csrf_checks))
    if who is not None:
        client.client.force_login(staff[who])
    return client


@pytest.mark.parametrize("who", EVERYONE)
def test_session_reads_by_role(staff, job, who):  # noqa: F811
    response = _session(staff, who).get(job_url(job))

    expected = {None: 401, "stranger": 404}.get(who, 200)
    assert response.status_code == expected
    if expected != 200:
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("who", EVERYONE)
def test_session_creates_by_role(staff, achievement, who):  # noqa: F811
    response = _session(staff, who).post(jobs_url(), upload(achievement="python-basics"))

    expected = {None: 401, "stranger": 404, "editor": 403, "viewer": 403}.get(who, 201)
    assert response.status_code == expected
    assert BulkJob.objects.count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert BulkJob.objects.get().created_by == staff[who]
    if expected == 403:
        assert "does not allow this" in response.json()["detail"]


@pytest.mark.parametrize("who", ["viewer", "editor"])
def test_session_roles_without_award_cannot_change_a_job(staff, job, who):  # noqa: F811
    client = _session(staff, who)

    for action in ("start", "cancel"):
        assert_problem(client.post(job_url(job, f"/{action}")), 403, "permission-denied")
    job.refresh_from_db()
    assert job.status == BulkJobStatus.VALIDATED


def test_session_writes_need_the_csrf_token(staff, achievement):  # noqa: F811
    client = _session(staff, "owner", csrf_checks=True)

    response = client.post(jobs_url(), upload(achievement="python-basics"))

    assert_problem(response, 403, "permission-denied", "CSRF")
    assert BulkJob.objects.count() == 0


def test_a_token_needs_no_csrf_token(api, achievement):
    api.client = Client(enforce_csrf_checks=True)

    response = api.post(jobs_url(), upload(achievement="python-basics"))

    assert response.status_code == 201
