"""The live progress of a bulk job in a German browser: the script words the figures it moves with the parts the page
gives it, in German, and writes the numbers as German does (1.200, not 1,200), without a reload."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import expect

from bulk.jobs import bulk_job_process_chunk
from bulk.models import BulkJob, BulkJobStatus
from tests.bulk.cohort import cohort_job
from tests.e2e.test_issuer_flow import _sign_in


def test_the_progress_page_follows_a_running_job_in_german(live_server, transactional_db, issuer, achievement, page):
    # given: a job of 1,200 rows, queued as if a worker were about to take it, and a reader whose browser asks for German
    job = cohort_job(issuer, achievement, 1_200, status=BulkJobStatus.QUEUED)
    BulkJob.objects.filter(pk=job.pk).update(run_started_at=timezone.now())  # started now: a rate, a time left
    _sign_in(page, live_server.url)
    page.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    page.goto(f"{live_server.url}/manage/uni/bulk/{job.uuid}/")
    expect(page.locator("#bulk-status")).to_have_text("Wartend")
    expect(page.locator("#bulk-progress-text")).to_have_text("0 von 1.200 Zeilen erledigt, 0 fehlgeschlagen")

    # when: a worker issues a chunk (the job starts running: the page swaps in its new state), then another (the same
    # state: only the script moves the figures)
    bulk_job_process_chunk(job_id=job.pk, size=100)
    expect(page.locator("#bulk-status")).to_have_text("Läuft", timeout=10_000)
    bulk_job_process_chunk(job_id=job.pk, size=100)

    # then: the script words the figures in German, writes German numbers, and adds the rate and the time left
    progress = page.locator("#bulk-progress-text")
    expect(progress).to_have_text(
        re.compile(r"^200 von 1\.200 Zeilen erledigt, 0 fehlgeschlagen, [\d.]+,\d Zeilen/s, noch etwa \d"),
        timeout=10_000,
    )
    expect(page.locator("[data-progress=done]")).to_have_text("200")
    assert "rows" not in progress.inner_text()
