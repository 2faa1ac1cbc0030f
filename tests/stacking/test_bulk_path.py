"""A bulk job that completes a rule for every learner issues exactly one stacked credential each: the chunk's
events reach stacking as one batch per chunk, each award as if it had been issued alone."""

from __future__ import annotations

import pytest

from badges.models import Credential
from badges.services import AwardRequest, credential_issue_many
from bulk.jobs import bulk_job_create, bulk_job_start
from bulk.tasks import process_bulk_job
from stacking.models import StackedAward
from stacking.services import qualification_save
from tests.actors import owner
from tests.stacking.conftest import group, leaf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_in_process")]

LEARNERS = 1_000


def test_a_thousand_row_job_completes_a_thousand_stacks(
    issuer, make_achievement, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # given: every learner holds the first component; the rule needs both
    first, second = make_achievement("first"), make_achievement("second")
    target = make_achievement("both", name="Both", achievement_type="Certificate")
    qualification = qualification_save(
        issuer=issuer, achievement=target, rule=group("all", leaf(first), leaf(second)), actor=owner(issuer)
    )
    emails = [f"l{n}@example.org" for n in range(LEARNERS)]
    credential_issue_many(
        issuer=issuer,
        requests=[AwardRequest(achievement=first, email=e) for e in emails],
        source="api",
        notify=False,
        actor=owner(issuer),
    )
    lines = ["email,name,external_id", *(f"{e},Learner {n},S-{n}" for n, e in enumerate(emails))]
    job, _ = bulk_job_create(
        issuer=issuer,
        data=("\n".join(lines) + "\n").encode(),
        filename="second.csv",
        achievement=second,
        actor=owner(issuer),
    )

    # when: the job runs, and everything it queued after its commits runs too
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bulk_job_start(job=job, actor=owner(issuer))
        process_bulk_job.apply(args=(job.pk,))

    # then
    job.refresh_from_db()
    assert (job.status, job.done_rows) == ("finished", LEARNERS)
    stacked = Credential.objects.filter(achievement=target)
    assert stacked.count() == LEARNERS
    assert stacked.values("recipient_email").distinct().count() == LEARNERS
    assert set(stacked.values_list("source", flat=True)) == {"stacking"}
    assert StackedAward.objects.filter(qualification=qualification, generation=1).count() == LEARNERS
    assert len(callbacks) > 0
