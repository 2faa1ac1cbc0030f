"""The issuer's main path in a real browser: sign in, define an achievement, award it, the learner's public
page, revoke, and the public page again. Everything happens through the pages; the database is only used to
create the starting user and issuer and to check the outcome."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from badges.models import Credential, CredentialStatus
from badges.verify import verify_credential
from tests.actors import owner

PASSWORD = "pw-alice-123456"  # the `user` fixture's password
LEARNER_EMAIL = "ada.learner@example.com"
LEARNER_NAME = "Ada Lovelace"
ACHIEVEMENT = "Data Analysis with Python"
PUBLIC_LINK = re.compile(r"https?://[^/\s]+/credentials/[0-9a-f-]{36}")
PHONE = {"width": 390, "height": 844}

# Every visible form control must have a label: <label for>, a wrapping <label>, aria-label or aria-labelledby.
UNLABELLED_JS = """() => {
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const named = (el) => {
    if (el.labels && el.labels.length) return true;
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const ids = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
    return ids.length > 0 && ids.every((id) => document.getElementById(id));
  };
  return [...document.querySelectorAll("input, select, textarea")]
    .filter((el) => el.type !== "hidden" && visible(el) && !named(el))
    .map((el) => `${el.tagName.toLowerCase()}[name=${el.name || "?"}][id=${el.id || "?"}]`);
}"""


@pytest.fixture
def tasks_in_process():
    """Run Celery tasks in this process even when a broker is configured (CI's service pass), so the award
    e-mail is sent by the live server's request itself."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def a11y():
    """check(page): records the page's form controls without a label; the test asserts none were found."""
    offenders: list[str] = []

    def check(page: Page) -> None:
        path = urlsplit(page.url).path
        offenders.extend(f"{path}: {control}" for control in page.evaluate(UNLABELLED_JS))

    check.offenders = offenders
    return check


def _sign_in(page: Page, base_url: str, a11y=None) -> None:
    page.goto(f"{base_url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    if a11y is not None:
        a11y(page)
    page.get_by_label("Username or e-mail").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Issuer").get_by_role("link", name=name, exact=True).click()


def _fill_alignment(page: Page, number: int, *, name: str, url: str, framework: str, code: str, kind: str) -> None:
    row = page.get_by_role("group", name=f"Alignment {number}", exact=True)
    row.get_by_label("Name").fill(name)
    row.get_by_label("Web address").fill(url)
    row.get_by_label("Framework").fill(framework)
    row.get_by_label("Code").fill(code)
    row.get_by_label("Type", exact=True).select_option(kind)


def _mail_to(mailoutbox, address: str, timeout: float = 5.0):
    """The award e-mail, once sent (it is sent after the award commits, in the live server's thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mailoutbox if address in m.to]
        if found:
            return found
        time.sleep(0.05)
    return []


# The outermost elements that stick out to the right of the viewport (not those inside a scrolling box, such as
# .table-wrap), to name the culprit in a failure.
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("")
    + (el.getAttribute("aria-label") ? `[aria-label="${el.getAttribute("aria-label")}"]` : "");
  const wide = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el));
  return wide.filter((el) => !wide.includes(el.parentElement))
    .map((el) => `${describe(el)} (right edge ${Math.round(el.getBoundingClientRect().right)}px)`);
}"""


def _no_horizontal_scroll(page: Page) -> None:
    """Assert the page fits the viewport's width; on failure, name the elements that stick out."""
    page.wait_for_load_state("load")
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width <= inner_width:
        return
    culprits = page.evaluate(OVERFLOW_JS)
    path = urlsplit(page.url).path
    pytest.fail(f"{path} scrolls sideways ({scroll_width}px > {inner_width}px): {'; '.join(culprits)}")


def test_issuer_awards_and_revokes_a_credential(
    live_server, transactional_db, issuer, browser, page, screenshot, mailoutbox, tasks_in_process, a11y
):
    base = live_server.url

    # 1. Sign in with the e-mail address.
    _sign_in(page, base, a11y)

    # 2. The only issuer's dashboard.
    expect(page).to_have_url(f"{base}/manage/uni/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Test University")
    expect(page.get_by_role("heading", name="Credentials", exact=True)).to_be_visible()
    a11y(page)
    screenshot("dashboard")

    # 3. A new achievement with two alignments, Markdown criteria previewed, a type and tags.
    _nav(page, "Achievements")
    a11y(page)
    page.get_by_role("link", name="New achievement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New achievement")
    about = page.get_by_role("group", name="About", exact=True)
    about.get_by_label("Name").fill(ACHIEVEMENT)
    about.get_by_label("Description").fill("Cleans, explores and explains a real data set with pandas.")
    page.get_by_role("group", name="Achievement type").get_by_role("combobox", name=re.compile(r"^Type")).select_option(
        "Certificate"
    )
    criteria = page.get_by_role("group", name="Criteria")
    criteria.get_by_label("Narrative").fill(
        "Complete the **final project**:\n\n- clean a public data set\n- explain *three* findings in a report"
    )
    page.get_by_role("group", name="Details").get_by_label("Tags").fill("python, data, pandas")

    page.get_by_role("button", name="Add another alignment").click()
    _fill_alignment(
        page,
        1,
        name="Data wrangling",
        url="https://skills.example.org/data-wrangling",
        framework="Example Skills",
        code="DW-1",
        kind="CFItem",
    )
    page.get_by_role("button", name="Add another alignment").click()
    expect(page.get_by_role("group", name="Alignment 1", exact=True).get_by_label("Name")).to_have_value(
        "Data wrangling"
    )
    _fill_alignment(
        page,
        2,
        name="Statistical reasoning",
        url="https://skills.example.org/statistics",
        framework="Example Skills",
        code="ST-2",
        kind="ceasn:Competency",
    )

    page.get_by_role("button", name="Preview the criteria").click()
    preview = page.get_by_role("region", name="Preview of the criteria")
    expect(preview.locator("strong")).to_have_text("final project")
    expect(preview.get_by_role("listitem")).to_have_text(
        ["clean a public data set", "explain three findings in a report"]
    )
    # Preview and "Add another" keep everything that was typed.
    expect(about.get_by_label("Name")).to_have_value(ACHIEVEMENT)
    expect(page.get_by_role("group", name="Alignment 2", exact=True).get_by_label("Code")).to_have_value("ST-2")
    a11y(page)
    screenshot("achievement-form")

    page.get_by_role("button", name="Create achievement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ACHIEVEMENT)
    expect(page.get_by_text(f"Created “{ACHIEVEMENT}”.")).to_be_visible()
    alignments = page.get_by_role("region", name="Alignments").get_by_role("row")
    expect(alignments).to_have_count(3)  # header + two alignments
    expect(alignments.nth(1)).to_contain_text("Data wrangling")
    expect(alignments.nth(2)).to_contain_text("Statistical reasoning")
    about_section = page.get_by_role("region", name="About")
    expect(about_section).to_contain_text("Certificate")
    expect(about_section).to_contain_text("python, data, pandas")
    expect(page.get_by_role("region", name="Criteria").locator("strong")).to_have_text("final project")
    a11y(page)
    screenshot("achievement-detail")

    # 4. Award it to a learner.
    _nav(page, "Awards")
    a11y(page)
    page.get_by_role("link", name="Award a credential").click()
    page.get_by_label("Achievement").select_option(label=ACHIEVEMENT)
    page.get_by_label("Recipient e-mail").fill(LEARNER_EMAIL)
    page.get_by_label("Recipient name").fill(LEARNER_NAME)
    page.get_by_label("Evidence URL").fill("https://portfolio.example.org/ada/data-project")
    page.get_by_label("Evidence narrative").fill("Analysed ten years of city bike rentals.")
    page.get_by_role("group", name="Format").get_by_role("radio", name="Both: Data Integrity and VC-JWT").check()
    a11y(page)
    screenshot("award-form")

    page.get_by_role("button", name="Award and e-mail the learner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ACHIEVEMENT)
    expect(page.get_by_role("heading", name="Status: Active")).to_be_visible()
    expect(page.get_by_text(f"Awarded {ACHIEVEMENT} to {LEARNER_EMAIL}.")).to_be_visible()
    expect(page.get_by_role("heading", name="VC-JWT")).to_be_visible()
    a11y(page)
    screenshot("award-detail")
    award_detail_url = page.url

    mails = _mail_to(mailoutbox, LEARNER_EMAIL)
    assert len(mails) == 1, [m.to for m in mailoutbox]
    link = PUBLIC_LINK.search(mails[0].body)
    assert link, mails[0].body
    public_url = base + urlsplit(link.group(0)).path

    # 5. The learner's public page, in a browser that is not signed in.
    learner = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        public = learner.new_page()
        public.goto(public_url)
        status = public.get_by_role("status")
        expect(status).to_contain_text("Valid")
        expect(status).to_contain_text("This credential is valid.")
        expect(public.get_by_role("heading", level=1)).to_have_text(ACHIEVEMENT)
        expect(public.get_by_text(f"Awarded to {LEARNER_NAME} by Test University.")).to_be_visible()
        expect(public.get_by_role("link", name="Sign in")).to_be_visible()  # not signed in
        assert LEARNER_EMAIL not in public.content()
        a11y(public)
        screenshot("public-credential", target=public)

        # 6. Back as the issuer: revoke it, with a reason, through the confirmation page.
        page.goto(award_detail_url)
        page.get_by_role("link", name="Revoke…").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Revoke this award")
        page.get_by_label("Reason").fill("Awarded to the wrong learner.")
        a11y(page)
        screenshot("revoke-confirm")
        page.get_by_role("button", name="Revoke for good").click()
        expect(page.get_by_text("The credential is revoked.")).to_be_visible()
        expect(page.get_by_role("heading", name="Status: Revoked")).to_be_visible()
        expect(page.get_by_role("link", name="Revoke…")).to_have_count(0)

        # 7. The public page says so.
        public.reload()
        expect(public.get_by_role("status")).to_contain_text("Revoked")
        expect(public.get_by_role("status")).to_contain_text("no longer valid")
        assert LEARNER_EMAIL not in public.content()
        a11y(public)
        screenshot("public-credential-revoked", target=public)
    finally:
        learner.close()

    # 8. The outcome, in the database and for a verifier.
    credential = Credential.objects.get(recipient_email=LEARNER_EMAIL)
    assert credential.status == CredentialStatus.REVOKED
    assert credential.status_reason == "Awarded to the wrong learner."
    assert credential.achievement.alignments.count() == 2
    assert credential.achievement.tags == ["python", "data", "pandas"]
    assert credential.jws
    report = verify_credential(credential.document)
    assert not report.valid
    assert report.check("status") is not None
    assert report.check("status").status == "failed", report.to_dict()

    assert a11y.offenders == []


def test_keys_and_staff_pages(live_server, transactional_db, issuer, page, screenshot, a11y):
    base = live_server.url
    _sign_in(page, base)
    expect(page).to_have_url(f"{base}/manage/uni/")

    _nav(page, "Keys")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signing keys")
    expect(page.get_by_role("cell", name="Active").first).to_be_visible()
    expect(page.get_by_role("heading", name="Rotate a key")).to_be_visible()
    a11y(page)
    screenshot("keys")

    _nav(page, "Staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    expect(page.get_by_role("combobox", name="Role of alice")).to_have_value("owner")
    expect(page.get_by_role("heading", name="Invite someone")).to_be_visible()
    a11y(page)
    screenshot("staff")

    assert a11y.offenders == []


@pytest.fixture
def phone(browser):
    # Not is_mobile: mobile emulation zooms out to fit an overflowing page, which would hide what is checked here.
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def test_dashboard_on_a_phone(live_server, transactional_db, issuer, phone, screenshot, a11y):
    _sign_in(phone, live_server.url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Test University")
    a11y(phone)
    screenshot("dashboard-phone", target=phone)
    assert a11y.offenders == []
    # templates/badges/dashboard_credentials.html: the month table (12 columns) must stay inside its .table-wrap.
    _no_horizontal_scroll(phone)


def test_public_credential_on_a_phone(
    live_server, transactional_db, achievement, phone, screenshot, tasks_in_process, a11y
):
    from badges.services import AwardRequest, credential_issue

    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="grace@example.com", name="Grace Hopper", format="both"),
        source="ui",
        actor=owner(achievement.issuer),
    )
    phone.goto(f"{live_server.url}/credentials/{credential.uuid}")
    expect(phone.get_by_role("status")).to_contain_text("Valid")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Python Basics")
    expect(phone.get_by_text("Awarded to Grace Hopper by Test University.")).to_be_visible()
    a11y(phone)
    screenshot("public-credential-phone", target=phone)
    assert a11y.offenders == []
    # templates/badges/credential_public.html:41: the credential ID (a long URL in <code>) cannot wrap.
    _no_horizontal_scroll(phone)
