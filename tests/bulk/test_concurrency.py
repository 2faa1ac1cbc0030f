"""Concurrent writers on PostgreSQL: slot allocation never waits on a list another transaction holds, and two
chunks of one job never take the same rows. Runs where row locks exist (CI's service pass, PostgreSQL)."""

from __future__ import annotations

import threading

from django.db import transaction

from badges.models import Credential, StatusList
from badges.status_lists import allocate_slots
from bulk.jobs import bulk_job_process_chunk
from tests.bulk.cohort import cohort_job
from tests.concurrency import POSTGRESQL_ONLY, in_thread

pytestmark = POSTGRESQL_ONLY


def test_a_second_writer_takes_another_list_instead_of_waiting(transactional_db, issuer):
    # given: the issuer's first lists exist (a writer creating a list makes the others wait for its commit once)
    with transaction.atomic():
        allocate_slots(issuer, 1)
    holding = threading.Event()
    release = threading.Event()
    held: list[int] = []

    def first_writer():
        with transaction.atomic():
            ((status_list, _),) = allocate_slots(issuer, 1)
            held.append(status_list.sequence)
            holding.set()
            assert release.wait(30)

    thread, errors = in_thread(first_writer)
    assert holding.wait(30)
    try:
        # when: another transaction allocates while the first still holds its list
        with transaction.atomic():
            slots = allocate_slots(issuer, 5)
    finally:
        release.set()
        thread.join(30)

    # then: it was not blocked, and it took its slots from a list of its own
    assert not errors
    assert {status_list.sequence for status_list, _ in slots} == {held[0] + 1}
    assert StatusList.objects.filter(issuer=issuer, purpose="revocation").count() == 2


def test_two_chunks_at_once_share_no_row(transactional_db, issuer, achievement):
    job = cohort_job(issuer, achievement, 60, status="running")
    barrier = threading.Barrier(2)
    handled: list[int] = []

    def chunk():
        barrier.wait(30)
        while count := bulk_job_process_chunk(job_id=job.pk, size=20):
            handled.append(count)

    threads = [in_thread(chunk) for _ in range(2)]
    for thread, errors in threads:
        thread.join(120)
        assert not errors

    job.refresh_from_db()
    assert sum(handled) == 60 == job.done_rows
    assert Credential.objects.filter(issuer=issuer).count() == 60
    assert set(job.rows.values_list("status", flat=True)) == {"issued"}
