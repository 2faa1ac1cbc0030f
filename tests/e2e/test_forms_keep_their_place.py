"""Forms that keep the issuer's place, in a real browser: a bulk upload whose page comes back with an error keeps
the chosen file (its name and rows shown, nothing to choose again), the preview is checked again with another
achievement without choosing the file, and confirming needs no new upload; the award form that comes back with an
error keeps everything typed."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from badges.achievements import achievement_create
from badges.models import Credential
from bulk.models import BulkJob, BulkJobStatus
from tests.actors import owner
from tests.e2e.test_bulk_flow import COHORT
from tests.e2e.test_issuer_flow import _nav, _sign_in


def test_the_upload_keeps_the_chosen_file_through_errors_and_a_second_check(
    live_server, transactional_db, achievement, page, screenshot, tasks_in_process
):
    achievement_create(
        issuer=achievement.issuer,
        actor=owner(achievement.issuer),
        data={"name": "SQL Fundamentals", "description": "SQL.", "criteria_narrative": "Pass the test."},
    )
    _sign_in(page, live_server.url)
    _nav(page, "Bulk awards")
    page.get_by_role("link", name="Upload a file").click()

    # 1. A file whose rows name no achievement, and no achievement chosen.
    page.get_by_label("File of awards").set_input_files(
        files=[{"name": "cohort.csv", "mimeType": "text/csv", "buffer": COHORT}]
    )
    page.get_by_role("button", name="Upload and check").click()

    # 2. The page comes back with the error, and with the file: its name and rows, nothing to choose again.
    expect(page.get_by_role("alert")).to_contain_text("Nothing was checked yet; your file is kept.")
    expect(page.get_by_text("The file has no 'achievement' column; choose the achievement to award.")).to_be_visible()
    kept = page.locator("#kept-upload")
    expect(kept).to_contain_text("cohort.csv: 5 rows, uploaded")
    expect(kept).to_contain_text("you need not choose it again")
    expect(page.get_by_label("Choose another file")).to_have_value("")
    screenshot("bulk-upload-kept")

    # 3. Only the achievement is chosen: the kept file is checked.
    page.get_by_label("Achievement").select_option(label="SQL Fundamentals")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("cohort.csv")
    expect(page.get_by_text("Checked 5 rows: 4 can be issued, 1 cannot (listed below).")).to_be_visible()
    expect(page.get_by_text("SQL Fundamentals for every row")).to_be_visible()

    # 4. Checked again with another achievement, still without choosing the file.
    page.get_by_role("link", name="Check this file again with another achievement").click()
    expect(page.locator("#kept-upload")).to_contain_text("cohort.csv: 5 rows")
    expect(page.get_by_label("Achievement")).to_have_value(str(BulkJob.objects.get().achievement_id))
    page.get_by_label("Achievement").select_option(label="Python Basics")
    page.get_by_role("button", name="Check", exact=True).click()
    expect(page.get_by_text("Python Basics for every row")).to_be_visible()
    assert sorted(BulkJob.objects.values_list("status", flat=True)) == [
        BulkJobStatus.CANCELLED,
        BulkJobStatus.VALIDATED,
    ]

    # 5. Confirming needs nothing more.
    page.get_by_role("button", name="Issue 4 credentials").click()
    expect(page.locator("#bulk-status")).to_have_text("Finished", timeout=20_000)
    assert {c.achievement.name for c in Credential.objects.select_related("achievement")} == {"Python Basics"}
    assert Credential.objects.count() == 4


def test_the_award_form_keeps_what_was_typed(live_server, transactional_db, achievement, page):
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/manage/uni/awards/new/")
    page.get_by_label("Achievement").select_option(label="Python Basics")
    page.get_by_label("Recipient e-mail").fill("jane@example.org")
    page.get_by_label("Recipient name").fill("Jane Doe")
    page.get_by_label("Evidence URL").fill("https://portfolio.example.org/jane")
    page.get_by_label("Evidence narrative").fill("Built a parser.\nTested it.")
    page.get_by_label("Valid from").fill("2020-01-01T09:30")
    page.get_by_label("Valid until").fill("2021-01-01T09:30")  # already passed: refused
    page.get_by_label("Both: Data Integrity and VC-JWT").check()
    page.get_by_role("button", name="Award and e-mail the learner").click()

    expect(page.get_by_text("This date has passed: the credential would be expired at once.")).to_be_visible()
    expect(page.get_by_label("Achievement")).to_have_value(str(achievement.pk))
    expect(page.get_by_label("Recipient e-mail")).to_have_value("jane@example.org")
    expect(page.get_by_label("Recipient name")).to_have_value("Jane Doe")
    expect(page.get_by_label("Evidence URL")).to_have_value("https://portfolio.example.org/jane")
    expect(page.get_by_label("Evidence narrative")).to_have_value(re.compile(r"Built a parser\.\r?\nTested it\."))
    expect(page.get_by_label("Valid from")).to_have_value("2020-01-01T09:30")
    expect(page.get_by_label("Valid until")).to_have_value("2021-01-01T09:30")
    expect(page.get_by_label("Both: Data Integrity and VC-JWT")).to_be_checked()

    # Only the wrong field needs changing.
    page.get_by_label("Valid until").fill("2099-01-01T09:30")
    page.get_by_role("button", name="Award and e-mail the learner").click()
    expect(page.get_by_text("Awarded Python Basics to jane@example.org.")).to_be_visible()
    credential = Credential.objects.get()
    assert (credential.recipient_name, credential.evidence) == (
        "Jane Doe",
        [{"id": "https://portfolio.example.org/jane", "narrative": "Built a parser.\r\nTested it."}],
    )
