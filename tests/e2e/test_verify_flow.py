"""An employer checks a learner's badge in the browser: from the public page, and by uploading the baked PNG."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from badges.models import Credential
from badges.services import AwardRequest, credential_issue, credential_revoke
from tests.actors import owner

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tasks_in_process():
    # Baking runs after commit as a task: in-process here even when CI configures a broker.
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _checks(page) -> dict[str, str]:
    # The technical checks are folded under the sentence and the facts (D43): unfold them as a reader would.
    details = page.locator("details.technical")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    rows = page.locator("table tbody tr")
    return {
        rows.nth(i).get_attribute("id").removeprefix("check-"): rows.nth(i).locator("td").first.inner_text().strip()
        for i in range(rows.count())
    }


def test_employer_verifies_from_the_page_and_by_uploading_the_baked_png(
    live_server, achievement, page, browser, screenshot, tasks_in_process, tmp_path
):
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="learner@example.com", name="Lea Rner"),
        source="ui",
        actor=owner(achievement.issuer),
    )
    credential = Credential.objects.get(pk=credential.pk)
    assert credential.baked_png, "baking runs once after the award"
    public_url = f"{live_server.url}/credentials/{credential.uuid}"

    # From the learner's page: the live panel, then "Verify this credential".
    page.goto(public_url)
    expect(page.get_by_role("status").filter(has_text="Valid").first).to_be_visible()
    page.get_by_role("link", name="Verify this credential").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Verification result")
    expect(page.locator(".verdict")).to_contain_text("Valid")
    screenshot("verify-result")

    # The baked PNG, as a learner downloads it, uploaded on the verify page.
    with page.expect_download() as download_info:
        page.goto(public_url)
        page.get_by_role("link", name="Download the badge (PNG)").click()
    baked = tmp_path / "badge.png"
    download_info.value.save_as(baked)
    page.goto(f"{live_server.url}/verify")
    page.get_by_label("Or upload a file").set_input_files(str(baked))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".verdict")).to_contain_text("Valid")
    checks = _checks(page)
    assert all(checks[check] == "Passed" for check in ("format", "schema", "proof", "issuer_key", "status")), checks
    screenshot("verify-upload-valid")

    # After revocation the same image verifies as revoked.
    credential_revoke(credential=credential, reason="Awarded by mistake", actor=owner(achievement.issuer))
    page.goto(f"{live_server.url}/verify")
    page.get_by_label("Or upload a file").set_input_files(str(baked))
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".verdict")).to_contain_text("Not valid")
    assert _checks(page)["status"] == "Failed"
    expect(page.locator("#check-status")).to_contain_text("revoked")
    screenshot("verify-upload-revoked")
