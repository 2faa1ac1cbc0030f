"""A bulk job of a cohort of N valid learners, as the tests of chunks, tasks and workers need one."""

from __future__ import annotations

from bulk.jobs import bulk_job_create
from bulk.models import BulkJob
from tests.actors import owner


def cohort_job(issuer, achievement, rows: int, *, status: str | None = None) -> BulkJob:
    """A job of `rows` learners l0@example.org… with external ids, created by the issuer's owner; `status` sets it
    straight to queued or running, as if started, without enqueueing its chains."""
    lines = ["email,name,external_id", *(f"l{n}@example.org,Learner {n},S-{n:05d}" for n in range(rows))]
    job, preview = bulk_job_create(
        issuer=issuer,
        data=("\n".join(lines) + "\n").encode(),
        filename="cohort.csv",
        achievement=achievement,
        actor=owner(issuer),
    )
    assert len(preview.valid) == rows
    if status is not None:
        BulkJob.objects.filter(pk=job.pk).update(status=status)
        job.status = status
    return job
