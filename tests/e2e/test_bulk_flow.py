"""Bulk awards in a real browser: upload a file with one invalid row, check the preview, confirm, see the job
finished with its results, undo it; and the progress page following a running job by itself, without a reload. The database is only
used to create the starting user, issuer and achievement and to check the outcome."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from badges.models import Credential, CredentialStatus
from bulk.jobs import bulk_job_process_chunk
from bulk.models import BulkJob, BulkJobStatus
from bulk.tasks import process_bulk_job
from tests.bulk.cohort import cohort_job
from tests.e2e.test_issuer_flow import UNLABELLED_JS, _nav, _sign_in

# Five rows; line 4 (the third row) has no valid address.
COHORT = (
    b"email,name,external_id\n"
    b"ada@example.org,Ada Lovelace,S-1\n"
    b"grace@example.org,Grace Hopper,S-2\n"
    b"not-an-address,Bob,S-3\n"
    b"alan@example.org,Alan Turing,S-4\n"
    b"edsger@example.org,Edsger Dijkstra,S-5\n"
)


@pytest.fixture
def unlabelled():
    """check(page): records the page's form controls without a label (as in test_issuer_flow)."""
    offenders: list[str] = []

    def check(page) -> None:
        path = urlsplit(page.url).path
        offenders.extend(f"{path}: {control}" for control in page.evaluate(UNLABELLED_JS))

    check.offenders = offenders
    return check


def test_issuer_uploads_confirms_and_undoes_a_bulk_award(
    live_server, transactional_db, achievement, page, screenshot, tasks_in_process, unlabelled
):
    base = live_server.url
    _sign_in(page, base)
    expect(page).to_have_url(f"{base}/manage/uni/")

    # 1. The bulk pages, with the template to start from.
    _nav(page, "Bulk awards")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bulk awards")
    template = page.get_by_role("link", name="Download the template CSV")
    expect(template).to_have_attribute("href", "/manage/uni/bulk/template.csv")
    unlabelled(page)
    page.get_by_role("link", name="Upload a file").click()

    # 2. Upload five rows for one achievement.
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload a file of awards")
    page.get_by_label("Achievement").select_option(label="Python Basics")
    page.get_by_label("File of awards").set_input_files(
        files=[{"name": "cohort.csv", "mimeType": "text/csv", "buffer": COHORT}]
    )
    unlabelled(page)
    page.get_by_role("button", name="Upload and check").click()

    # 3. The preview: four to issue, the invalid line with its reason, nothing issued yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("cohort.csv")
    expect(page.get_by_text("Checked 5 rows: 4 can be issued, 1 cannot (listed below).")).to_be_visible()
    problems = page.get_by_role("region", name=re.compile("Rows that cannot be issued"))
    expect(problems.get_by_role("row")).to_have_count(2)  # header + line 4
    expect(problems.get_by_role("row").nth(1)).to_contain_text("4")
    expect(problems.get_by_role("row").nth(1)).to_contain_text("'not-an-address' is not a valid e-mail address")
    assert Credential.objects.count() == 0
    unlabelled(page)
    screenshot("bulk-preview")

    # 4. Confirm: in-process, the whole job runs before the page comes back.
    page.get_by_role("button", name="Issue 4 credentials").click()
    expect(page.locator("#bulk-status")).to_have_text("Finished")
    expect(page.get_by_text("Finished: 4 of 4 rows done.")).to_be_visible()
    expect(page.get_by_text("4 of 4 rows done, 0 failed;")).to_be_visible()
    results = page.get_by_role("link", name="Download results (CSV)")
    expect(results).to_be_visible()
    job = BulkJob.objects.get()
    expect(results).to_have_attribute("href", f"/manage/uni/bulk/{job.uuid}/results.csv")
    unlabelled(page)
    screenshot("bulk-finished")

    # 5. Undo, with a reason and the acknowledgement.
    undo = page.get_by_role("region", name="Undo this upload")
    undo.get_by_label("Reason").fill("Uploaded the wrong cohort.")
    undo.get_by_label("I understand this revokes 4 credentials").check()
    undo.get_by_role("button", name="Undo: revoke 4 credentials").click()
    expect(page.get_by_text("Undone: 4 credentials revoked. Reason: Uploaded the wrong cohort.")).to_be_visible()
    expect(page.get_by_role("region", name="Undo this upload")).to_have_count(0)

    # 6. The outcome.
    credentials = Credential.objects.all()
    assert len(credentials) == 4
    assert {c.status for c in credentials} == {CredentialStatus.REVOKED}
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.revoked_rows) == (BulkJobStatus.FINISHED, 4, 4)
    assert unlabelled.offenders == []


def test_progress_page_follows_a_running_job_without_reloading(
    live_server, transactional_db, issuer, user, achievement, page, tasks_in_process
):
    # given: a job of 300 rows, queued as if a worker were about to take it (as with a broker)
    job = cohort_job(issuer, achievement, 300, status=BulkJobStatus.QUEUED)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/manage/uni/bulk/{job.uuid}/")
    expect(page.locator("#bulk-status")).to_have_text("Queued")
    expect(page.get_by_text("0 of 300 rows done, 0 failed")).to_be_visible()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    # Marks this very document: a reload or a navigation would lose the mark.
    page.evaluate("window.stillThisDocument = true")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    # when: a worker issues the rows a chunk at a time, the page follows each one by itself
    for done in (100, 200):
        bulk_job_process_chunk(job_id=job.pk, size=100)
        expect(page.get_by_text(f"{done} of 300 rows done, 0 failed")).to_be_visible(timeout=10_000)
        expect(page.locator("#bulk-status")).to_have_text("Running")
        expect(page.locator("[data-progress=done]")).to_have_text(str(done))
        expect(page.locator("#bulk-progress-bar")).to_have_js_property("value", round(done * 100 / 300, 1))
    process_bulk_job.apply(args=(job.pk,))  # the rest, and the job's end

    # then: the finished state, with the results and the undo, in the same document
    expect(page.locator("#bulk-status")).to_have_text("Finished", timeout=10_000)
    expect(page.get_by_role("link", name="Download results (CSV)")).to_be_visible()
    expect(page.get_by_role("region", name="Undo this upload")).to_be_visible()
    expect(page.get_by_text("300 of 300 rows done, 0 failed;")).to_be_visible()
    expect(page.get_by_role("button", name="Pause")).to_have_count(0)
    assert page.evaluate("window.stillThisDocument") is True
    assert navigations == []
