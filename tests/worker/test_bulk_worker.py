"""Bulk jobs on real workers through the real broker: side-by-side chunks, and a worker killed mid-job.

Runs in CI's service pass (PostgreSQL + Redis); there a missing service is a failure (tests/worker/conftest.py).
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
from django.conf import settings

from badges.models import Credential, StatusList, StatusPurpose
from bulk.jobs import bulk_job_start
from bulk.models import BulkJob, BulkJobStatus, BulkRowStatus
from tests.actors import owner
from tests.bulk.cohort import cohort_job

REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        settings.CELERY_TASK_ALWAYS_EAGER and not REQUIRED, reason="no broker configured: tasks run in-process"
    ),
]


def _wait(job: BulkJob, *, until, timeout: float, what: str) -> BulkJob:
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        if until(job):
            return job
        assert time.monotonic() < deadline, f"{what} within {timeout} s; job: {job.status}, {job.done_rows} done"
        time.sleep(0.05)


def _assert_complete(job: BulkJob, rows: int) -> None:
    credentials = Credential.objects.filter(issuer=job.issuer)
    assert credentials.count() == rows
    assert credentials.values("idempotency_key").distinct().count() == rows
    assert (job.status, job.done_rows, job.failed_rows) == (BulkJobStatus.FINISHED, rows, 0)
    statuses = dict(job.rows.values_list("line", "status"))
    assert len(statuses) == rows and set(statuses.values()) == {BulkRowStatus.ISSUED}
    assert job.rows.filter(credential__isnull=True).count() == 0
    assert len(job.result_file.read().decode().splitlines()) == rows + 1
    # Every status slot handed out once, and each list counts exactly the credentials it holds: a chunk killed after
    # it allocated its slots rolled them back with it, so none was lost or given twice when its rows were redone.
    assert credentials.values("status_sequence", "status_index").distinct().count() == rows
    per_list = Counter(credentials.values_list("status_sequence", flat=True))
    lists = StatusList.objects.filter(issuer=job.issuer, purpose=StatusPurpose.REVOCATION)
    assert {status_list.sequence: status_list.allocated for status_list in lists if status_list.allocated} == per_list


def test_two_workers_share_a_job(workers, issuer, achievement):
    # given: two worker processes on the bulk queue
    for _ in range(2):
        workers.start(kinds=("bulk",))
    job = cohort_job(issuer, achievement, 600)

    # when
    bulk_job_start(job=job, actor=owner(issuer))

    # then
    job = _wait(job, until=lambda j: j.status == BulkJobStatus.FINISHED, timeout=120, what="the job did not finish")
    _assert_complete(job, 600)


def test_a_job_survives_its_worker_being_killed_mid_chunk(workers, issuer, achievement):
    # given: a worker issuing a 2,000-row job (no e-mail or baking consumers: only issuance is under test)
    first = workers.start(kinds=("bulk",))
    job = cohort_job(issuer, achievement, 2_000)
    bulk_job_start(job=job, actor=owner(issuer))
    _wait(job, until=lambda j: j.done_rows >= 400, timeout=120, what="the first worker did not issue 400 rows")

    # when: the worker dies without warning (its chunk in progress rolls back), and a new one starts
    workers.kill(first)
    killed_at = BulkJob.objects.get(pk=job.pk)
    assert killed_at.status == BulkJobStatus.RUNNING and killed_at.done_rows < 2_000
    workers.start(kinds=("bulk",))

    # then: the new worker resumes the job and every row is issued exactly once
    job = _wait(job, until=lambda j: j.status == BulkJobStatus.FINISHED, timeout=180, what="the job did not finish")
    _assert_complete(job, 2_000)
