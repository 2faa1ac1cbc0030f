"""The award pages of the issuer UI: award, list, detail, revoke / suspend / reinstate, bulk revoke."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from badges.models import Achievement, Credential, CredentialStatus, StatusList
from badges.services import AwardRequest, CredentialError, credential_issue, credential_revoke, credential_suspend
from badges.verify import verify_credential
from issuer.models import AuditEvent
from tests.actors import owner
from tests.ui.conftest import expected_status

EVERYONE = [None, "stranger", "owner", "editor", "awarder", "viewer"]
VIEWERS = {"owner", "editor", "awarder", "viewer"}
AWARDERS = {"owner", "awarder"}


def _issue(achievement, email="learner@example.com", **kwargs):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email, **kwargs),
        source="ui",
        actor=owner(achievement.issuer),
    )


def _form(achievement, **overrides):
    data = {
        "achievement": str(achievement.pk),
        "email": "Ada@Example.com",
        "name": "Ada Lovelace",
        "evidence_url": "https://portfolio.example.org/ada",
        "evidence_narrative": "Built a calculator.",
        "valid_from": "",
        "valid_until": "",
        "format": "ldp",
        "idempotency_key": "key-0001",
    }
    data.update(overrides)
    return data


def _audit_actions():
    return list(AuditEvent.objects.filter(object_type="credential").values_list("action", flat=True))


# --- the permission matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize(
    ("_case", "path", "allowed"),
    [
        ("create", "awards/new/", AWARDERS),
        ("list", "awards/", VIEWERS),
        ("detail", "awards/{uuid}/", VIEWERS),
        ("revoke", "awards/{uuid}/revoke/", AWARDERS),
        ("suspend", "awards/{uuid}/suspend/", AWARDERS),
    ],
)
def test_pages_permission_matrix(client_as, achievement, who, _case, path, allowed):
    credential = _issue(achievement)
    url = f"/manage/{achievement.issuer.slug}/" + path.format(uuid=credential.uuid)
    response = client_as(who).get(url)
    assert response.status_code == expected_status(who, allowed)
    if who is None:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", EVERYONE)
def test_unsuspend_page_permission_matrix(client_as, achievement, who):
    credential = credential_suspend(credential=_issue(achievement), reason="check", actor=owner(achievement.issuer))
    response = client_as(who).get(f"/manage/{achievement.issuer.slug}/awards/{credential.uuid}/unsuspend/")
    assert response.status_code == expected_status(who, AWARDERS)


@pytest.mark.parametrize("who", EVERYONE)
def test_award_post_permission_matrix(
    client_as, achievement, who, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(who).post(f"/manage/{achievement.issuer.slug}/awards/new/", _form(achievement))
    if who in AWARDERS:
        credential = Credential.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"/manage/{achievement.issuer.slug}/awards/{credential.uuid}/"
        assert len(mailoutbox) == 1
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert Credential.objects.count() == 0
        assert AuditEvent.objects.filter(action="credential.issued").count() == 0
        assert mailoutbox == []


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize(
    ("_case", "path", "data", "status_after"),
    [
        ("revoked", "revoke/", {"reason": "Awarded by mistake"}, CredentialStatus.REVOKED),
        ("suspended", "suspend/", {"reason": "Under review"}, CredentialStatus.SUSPENDED),
    ],
)
def test_status_change_post_permission_matrix(client_as, achievement, who, _case, path, data, status_after):
    credential = _issue(achievement)
    response = client_as(who).post(f"/manage/{achievement.issuer.slug}/awards/{credential.uuid}/{path}", data)
    credential.refresh_from_db()
    if who in AWARDERS:
        assert response.status_code == 302
        assert credential.status == status_after
        assert _audit_actions() == [f"credential.{_case}", "credential.issued"]
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert credential.status == CredentialStatus.ACTIVE
        assert _audit_actions() == ["credential.issued"]


@pytest.mark.parametrize("who", EVERYONE)
def test_unsuspend_post_permission_matrix(client_as, achievement, who):
    credential = credential_suspend(credential=_issue(achievement), reason="check", actor=owner(achievement.issuer))
    response = client_as(who).post(f"/manage/{achievement.issuer.slug}/awards/{credential.uuid}/unsuspend/")
    credential.refresh_from_db()
    if who in AWARDERS:
        assert response.status_code == 302
        assert credential.status == CredentialStatus.ACTIVE
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert credential.status == CredentialStatus.SUSPENDED
        assert _audit_actions() == ["credential.suspended", "credential.issued"]


@pytest.mark.parametrize("who", EVERYONE)
@pytest.mark.parametrize("confirm", [False, True], ids=["select", "confirm"])
def test_bulk_revoke_permission_matrix(client_as, achievement, who, confirm):
    credentials = [_issue(achievement, email=f"l{n}@example.com") for n in range(2)]
    data = {"selected": [str(c.uuid) for c in credentials], "reason": "Cohort cancelled"}
    if confirm:
        data["confirm"] = "1"
    response = client_as(who).post(f"/manage/{achievement.issuer.slug}/awards/revoke/", data)
    revoked = Credential.objects.filter(status=CredentialStatus.REVOKED).count()
    if who in AWARDERS:
        assert response.status_code == (302 if confirm else 200)
        assert revoked == (2 if confirm else 0)
    else:
        assert response.status_code == expected_status(who, AWARDERS)
        assert revoked == 0
        assert AuditEvent.objects.filter(action="credential.revoked").count() == 0


# --- award one credential ---------------------------------------------------------------------------------


def test_award_issues_a_verifying_credential_and_emails_the_learner(
    client_as, achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("awarder").post(
            f"/manage/{achievement.issuer.slug}/awards/new/", _form(achievement), follow=True
        )
    credential = Credential.objects.get()
    assert (credential.recipient_email, credential.recipient_name, credential.source) == (
        "ada@example.com",
        "Ada Lovelace",
        "ui",
    )
    assert credential.awarded_by.get_username() == "awarder"
    assert credential.evidence == [{"id": "https://portfolio.example.org/ada", "narrative": "Built a calculator."}]
    assert credential.jws == ""
    assert verify_credential(credential.document).valid
    assert response.redirect_chain == [(f"/manage/{achievement.issuer.slug}/awards/{credential.uuid}/", 302)]
    assert "Awarded Python Basics to ada@example.com." in response.content.decode()
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]
    assert f"https://badges.example.test/credentials/{credential.uuid}" in mailoutbox[0].body
    credential.refresh_from_db()
    assert credential.notified_at is not None


def test_the_award_form_chooses_the_emails_language(
    client_as, achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    """D52: in German for a learner the issuer knows reads German; the issuer's default when none is chosen."""
    issuer = achievement.issuer
    page = client_as("owner").get(f"/manage/{issuer.slug}/awards/new/").content.decode()
    assert "The issuer&#x27;s default (English)" in page

    with django_capture_on_commit_callbacks(execute=True):
        client_as("owner").post(f"/manage/{issuer.slug}/awards/new/", _form(achievement, language="de"))

    assert Credential.objects.get().language == "de"
    (message,) = mailoutbox
    assert message.subject == "Sie haben Python Basics von Test University erhalten"


def test_an_emails_language_not_offered_is_refused_beside_the_field(client_as, achievement):
    response = client_as("owner").post(
        f"/manage/{achievement.issuer.slug}/awards/new/", _form(achievement, language="fr")
    )

    assert response.status_code == 200
    assert "Choose one of the languages listed." in response.content.decode()
    assert not Credential.objects.exists()


@pytest.mark.parametrize(("fmt", "has_proof", "has_jws"), [("jwt", False, True), ("both", True, True)])
def test_award_format_choice(client_as, achievement, fmt, has_proof, has_jws):
    client_as("owner").post(f"/manage/{achievement.issuer.slug}/awards/new/", _form(achievement, format=fmt))
    credential = Credential.objects.get()
    assert ('"proof":' in credential.document, bool(credential.jws)) == (has_proof, has_jws)
    assert verify_credential(credential.jws).valid


def test_award_custom_validity(client_as, achievement):
    client_as("owner").post(
        f"/manage/{achievement.issuer.slug}/awards/new/",
        _form(achievement, valid_from="2030-01-01T09:00", valid_until="2031-01-01T09:00"),
    )
    credential = Credential.objects.get()
    assert (credential.valid_from.isoformat(), credential.valid_until.isoformat()) == (
        "2030-01-01T09:00:00+00:00",
        "2031-01-01T09:00:00+00:00",
    )


def test_award_validity_defaults_from_the_achievement(client_as, achievement):
    achievement.validity_days = 365
    achievement.save()
    client_as("owner").post(f"/manage/{achievement.issuer.slug}/awards/new/", _form(achievement))
    credential = Credential.objects.get()
    assert credential.valid_until - credential.valid_from == timedelta(days=365)


def test_double_submit_with_the_same_key_issues_once(
    client_as, achievement, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    client = client_as("awarder")
    url = f"/manage/{achievement.issuer.slug}/awards/new/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, _form(achievement))
        second = client.post(url, _form(achievement))
    assert Credential.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert AuditEvent.objects.filter(action="credential.issued").count() == 1
    assert len(mailoutbox) == 1


def test_each_form_render_gets_a_fresh_idempotency_key(client_as, achievement):
    client = client_as("awarder")
    pages = [client.get(f"/manage/{achievement.issuer.slug}/awards/new/").content.decode() for _ in range(2)]
    keys = [re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1) for page in pages]
    assert keys[0] != keys[1]
    assert all(len(key) >= 30 for key in keys)


def test_a_submission_without_a_key_is_given_one(client_as, achievement):
    data = _form(achievement, email="not-an-address")
    del data["idempotency_key"]
    response = client_as("awarder").post(f"/manage/{achievement.issuer.slug}/awards/new/", data)
    assert len(response.context["form"]["idempotency_key"].value()) >= 30


def test_reusing_a_key_for_a_different_award_issues_nothing_and_offers_a_fresh_key(client_as, achievement):
    client = client_as("awarder")
    url = f"/manage/{achievement.issuer.slug}/awards/new/"
    client.post(url, _form(achievement))
    response = client.post(url, _form(achievement, email="grace@example.com"))
    assert response.status_code == 200
    assert Credential.objects.count() == 1
    assert "This form was already used to award a credential" in response.content.decode()
    form = response.context["form"]
    assert form["idempotency_key"].value() not in ("", "key-0001")
    assert form["email"].value() == "grace@example.com"


def test_validation_errors_keep_what_was_typed(client_as, achievement):
    response = client_as("awarder").post(
        f"/manage/{achievement.issuer.slug}/awards/new/",
        _form(achievement, email="not-an-address", evidence_url="not a url", valid_until="2000-01-01T00:00"),
    )
    assert response.status_code == 200
    assert Credential.objects.count() == 0
    errors = response.context["form"].errors
    assert errors == {
        "email": ["Enter a valid e-mail address, like name@example.org."],
        "evidence_url": ["Enter a full web address, like https://example.org/portfolio."],
        "valid_until": ["This date has passed: the credential would be expired at once."],
    }
    html = response.content.decode()
    for typed in ('value="not-an-address"', 'value="Ada Lovelace"', "Built a calculator.", 'value="not a url"'):
        assert typed in html
    assert 'id="id_email_error"' in html
    assert 'aria-invalid="true"' in html


def test_valid_until_before_valid_from_is_a_field_error(client_as, achievement):
    response = client_as("owner").post(
        f"/manage/{achievement.issuer.slug}/awards/new/",
        _form(achievement, valid_from="2031-01-01T00:00", valid_until="2030-01-01T00:00"),
    )
    assert response.context["form"].errors == {"valid_until": ["Valid until must be later than valid from."]}
    assert Credential.objects.count() == 0


def test_only_this_issuers_current_achievements_can_be_awarded(client_as, achievement, other_issuer):
    archived = Achievement.objects.create(
        issuer=achievement.issuer, slug="old", name="Old Badge", description="d", criteria_narrative="c", archived=True
    )
    foreign = Achievement.objects.create(
        issuer=other_issuer, slug="foreign", name="Foreign Badge", description="d", criteria_narrative="c"
    )
    client = client_as("owner")
    url = f"/manage/{achievement.issuer.slug}/awards/new/"
    choices = [str(label) for _, label in client.get(url).context["form"].fields["achievement"].choices]
    assert choices == ["Choose an achievement", "Python Basics"]
    for other in (archived, foreign):
        response = client.post(url, _form(other))
        assert response.context["form"].errors == {"achievement": ["Choose one of this issuer's current achievements."]}
    assert Credential.objects.count() == 0


def test_achievement_query_preselects_it(client_as, achievement):
    response = client_as("owner").get(f"/manage/{achievement.issuer.slug}/awards/new/?achievement={achievement.pk}")
    assert f'<option value="{achievement.pk}" selected>Python Basics</option>' in response.content.decode()


# --- list ------------------------------------------------------------------------------------------------


@pytest.fixture
def awards(achievement, issuer):
    """Six awards of two achievements in every state; returned by label."""
    second = Achievement.objects.create(
        issuer=issuer, slug="sql", name="SQL Fundamentals", description="d", criteria_narrative="c"
    )
    made = {
        "ada": _issue(achievement, "ada@example.com", name="Ada Lovelace"),
        "grace": _issue(second, "grace@example.com", name="Grace Hopper"),
        "alan": credential_issue(
            request=AwardRequest(achievement=second, email="alan@example.com"),
            source="api",
            actor=owner(achievement.issuer),
        ),
        "revoked": credential_revoke(
            credential=_issue(achievement, "rev@example.com"), reason="mistake", actor=owner(achievement.issuer)
        ),
        "suspended": credential_suspend(
            credential=_issue(achievement, "sus@example.com"), reason="review", actor=owner(achievement.issuer)
        ),
        "expired": _issue(achievement, "old@example.com"),
    }
    # Time passes: one award has expired, and one was made a while ago.
    now = timezone.now()
    Credential.objects.filter(pk=made["expired"].pk).update(
        valid_from=now - timedelta(days=400), valid_until=now - timedelta(days=1)
    )
    Credential.objects.filter(pk=made["ada"].pk).update(created_at=now - timedelta(days=40))
    return made


def _listed(response):
    return [row["credential"].recipient_email for row in response.context["rows"]]


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("all", "", ["old", "sus", "rev", "alan", "grace", "ada"]),
        ("search e-mail", "q=GRACE%40example", ["grace"]),
        ("search name", "q=lovelace", ["ada"]),
        ("active", "status=active", ["alan", "grace", "ada"]),
        ("suspended", "status=suspended", ["sus"]),
        ("revoked", "status=revoked", ["rev"]),
        ("expired", "status=expired", ["old"]),
        ("source", "source=api", ["alan"]),
        ("issued since", "since={since}", ["old", "sus", "rev", "alan", "grace"]),
        ("combined", "status=active&q=example.com&source=ui", ["grace", "ada"]),
    ],
)
def test_list_search_and_filters(client_as, awards, _case, query, expected):
    since = (timezone.now() - timedelta(days=10)).date().isoformat()
    response = client_as("viewer").get(f"/manage/uni/awards/?{query.format(since=since)}")
    assert _listed(response) == [f"{name}@example.com" for name in expected]


def test_list_per_achievement(client_as, awards):
    second = awards["grace"].achievement
    response = client_as("viewer").get(f"/manage/uni/awards/?achievement={second.pk}")
    assert _listed(response) == ["alan@example.com", "grace@example.com"]
    assert response.context["achievement"] == second
    assert "<h1>Awards of SQL Fundamentals</h1>" in response.content.decode()


def test_list_states_and_formats(client_as, awards):
    response = client_as("viewer").get("/manage/uni/awards/")
    assert [(row["state"], row["formats"]) for row in response.context["rows"]] == [
        ("expired", ["Data Integrity"]),
        ("suspended", ["Data Integrity"]),
        ("revoked", ["Data Integrity"]),
        ("active", ["Data Integrity"]),
        ("active", ["Data Integrity"]),
        ("active", ["Data Integrity"]),
    ]


def test_list_ignores_and_reports_another_issuers_achievement(client_as, awards, other_issuer):
    foreign = Achievement.objects.create(
        issuer=other_issuer, slug="foreign", name="Foreign", description="d", criteria_narrative="c"
    )
    response = client_as("viewer").get(f"/manage/uni/awards/?achievement={foreign.pk}&status=revoked")
    assert _listed(response) == ["rev@example.com"]
    assert "That achievement is not one of this issuer&#x27;s. This filter was ignored." in response.content.decode()


def test_list_never_shows_another_issuers_awards(client_as, achievement, other_issuer):
    foreign = Achievement.objects.create(
        issuer=other_issuer, slug="foreign", name="Foreign", description="d", criteria_narrative="c"
    )
    _issue(foreign, "outsider@example.com")
    _issue(achievement, "mine@example.com")
    assert _listed(client_as("viewer").get("/manage/uni/awards/")) == ["mine@example.com"]


def test_list_pagination(client_as, achievement):
    for n in range(27):
        _issue(achievement, f"p{n:02d}@example.com")
    client = client_as("viewer")
    first = client.get("/manage/uni/awards/?q=example")
    second = client.get("/manage/uni/awards/?q=example&page=2")
    assert _listed(first) == [f"p{n:02d}@example.com" for n in range(26, 1, -1)]
    assert _listed(second) == ["p01@example.com", "p00@example.com"]
    assert 'href="?q=example&amp;page=2"' in first.content.decode()
    assert "27 awards, page 1 of 2." in first.content.decode()


@pytest.mark.parametrize(("who", "shown"), [("viewer", False), ("editor", False), ("awarder", True), ("owner", True)])
def test_list_bulk_checkboxes_only_for_awarders(client_as, achievement, who, shown):
    credential = _issue(achievement)
    html = client_as(who).get("/manage/uni/awards/").content.decode()
    assert (f'name="selected" value="{credential.uuid}"' in html) is shown
    assert ("/manage/uni/awards/new/" in html) is shown


# --- detail ----------------------------------------------------------------------------------------------


def test_detail_shows_document_jws_link_delivery_and_own_history(client_as, achievement):
    credential = _issue(achievement, name="Ada", format="both")
    other = _issue(achievement, "someone-else@example.com")
    credential_suspend(credential=credential, reason="Checking the exam", actor=owner(achievement.issuer))
    Credential.objects.filter(pk=credential.pk).update(notification_error="SMTPServerDisconnected: gone")
    response = client_as("viewer").get(f"/manage/uni/awards/{credential.uuid}/")
    html = response.content.decode()
    assert response.context["state"] == "suspended"
    assert '<span class="badge-status status-suspended">Suspended</span>' in html
    assert "Checking the exam" in html
    assert "learner@example.com" in html
    assert "\n  &quot;@context&quot;: [\n    &quot;https://www.w3.org/ns/credentials/v2&quot;," in html
    assert credential.jws in html
    assert f'href="https://badges.example.test/credentials/{credential.uuid}"' in html
    assert f'href="/credentials/{credential.uuid}?format=json"' in html
    assert "Not delivered</span> SMTPServerDisconnected: gone" in html
    assert [line.event.action for line in response.context["audit"]] == ["credential.suspended", "credential.issued"]
    assert str(other.pk) not in {line.event.object_id for line in response.context["audit"]}
    assert "alice suspended Ada&#x27;s “Python Basics” — reason: Checking the exam" in html


@pytest.mark.parametrize(("who", "shown"), [("viewer", False), ("editor", False), ("awarder", True), ("owner", True)])
def test_detail_action_buttons_only_for_awarders(client_as, achievement, who, shown):
    credential = _issue(achievement)
    html = client_as(who).get(f"/manage/uni/awards/{credential.uuid}/").content.decode()
    assert (f"/manage/uni/awards/{credential.uuid}/revoke/" in html) is shown
    assert (f"/manage/uni/awards/{credential.uuid}/suspend/" in html) is shown


@pytest.mark.parametrize("path", ["", "revoke/", "suspend/", "unsuspend/"])
def test_another_issuers_credential_under_my_slug_is_404(client_as, achievement, other_issuer, path):
    foreign_achievement = Achievement.objects.create(
        issuer=other_issuer, slug="foreign", name="Foreign", description="d", criteria_narrative="c"
    )
    foreign = _issue(foreign_achievement)
    client = client_as("owner")
    assert client.get(f"/manage/uni/awards/{foreign.uuid}/{path}").status_code == 404
    if path:
        assert client.post(f"/manage/uni/awards/{foreign.uuid}/{path}", {"reason": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == CredentialStatus.ACTIVE


# --- revoke, suspend, reinstate --------------------------------------------------------------------------


def test_revoke_needs_a_reason(client_as, achievement):
    credential = _issue(achievement)
    response = client_as("awarder").post(f"/manage/uni/awards/{credential.uuid}/revoke/", {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Give a reason for revoking: it is kept in the audit trail."]}
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ACTIVE
    assert _audit_actions() == ["credential.issued"]


def test_revoke_records_reason_and_redirects_with_a_message(client_as, achievement):
    credential = _issue(achievement)
    response = client_as("awarder").post(
        f"/manage/uni/awards/{credential.uuid}/revoke/", {"reason": "Exam fraud"}, follow=True
    )
    credential.refresh_from_db()
    assert (credential.status, credential.status_reason) == (CredentialStatus.REVOKED, "Exam fraud")
    assert response.redirect_chain == [(f"/manage/uni/awards/{credential.uuid}/", 302)]
    assert "The credential is revoked." in response.content.decode()
    event = AuditEvent.objects.get(action="credential.revoked")
    assert (event.actor.get_username(), event.data["reason"]) == ("awarder", "Exam fraud")


def test_suspend_then_reinstate(client_as, achievement):
    credential = _issue(achievement)
    client = client_as("owner")
    client.post(f"/manage/uni/awards/{credential.uuid}/suspend/", {"reason": ""})
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.SUSPENDED
    client.post(f"/manage/uni/awards/{credential.uuid}/unsuspend/")
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ACTIVE
    assert _audit_actions() == ["credential.unsuspended", "credential.suspended", "credential.issued"]


def test_refused_change_shows_the_services_message(client_as, achievement):
    credential = credential_revoke(credential=_issue(achievement), reason="gone", actor=owner(achievement.issuer))
    client = client_as("owner")
    page = client.get(f"/manage/uni/awards/{credential.uuid}/suspend/")
    assert "This award is revoked, so it cannot be suspended." in page.content.decode()
    response = client.post(f"/manage/uni/awards/{credential.uuid}/suspend/", {"reason": "x"}, follow=True)
    assert "Only an active credential can be suspended; this one is revoked." in response.content.decode()
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REVOKED
    assert _audit_actions() == ["credential.revoked", "credential.issued"]


# --- bulk revoke -----------------------------------------------------------------------------------------


def test_bulk_revoke_confirms_then_revokes_and_skips_the_already_revoked(client_as, achievement):
    fresh = [_issue(achievement, f"l{n}@example.com") for n in range(2)]
    done = credential_revoke(
        credential=_issue(achievement, "done@example.com"), reason="earlier", actor=owner(achievement.issuer)
    )
    selected = [str(c.uuid) for c in [*fresh, done]]
    client = client_as("awarder")
    page = client.post("/manage/uni/awards/revoke/", {"selected": selected, "back": "/manage/uni/awards/?q=l"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Revoke 2 awards</h1>" in html
    assert "already revoked: will be skipped" in html
    assert Credential.objects.filter(status=CredentialStatus.REVOKED).count() == 1

    response = client.post(
        "/manage/uni/awards/revoke/",
        {"selected": selected, "reason": "Cohort cancelled", "confirm": "1", "back": "/manage/uni/awards/?q=l"},
        follow=True,
    )
    assert response.redirect_chain == [("/manage/uni/awards/?q=l", 302)]
    assert "Revoked 2 awards. Skipped 1 already revoked: done@example.com." in response.content.decode()
    for credential in fresh:
        credential.refresh_from_db()
        assert (credential.status, credential.status_reason) == (CredentialStatus.REVOKED, "Cohort cancelled")
    done.refresh_from_db()
    assert done.status_reason == "earlier"
    assert AuditEvent.objects.filter(action="credential.revoked").count() == 3


def test_bulk_revoke_without_reason_keeps_the_selection(client_as, achievement):
    credentials = [_issue(achievement, f"l{n}@example.com") for n in range(2)]
    response = client_as("owner").post(
        "/manage/uni/awards/revoke/", {"selected": [str(c.uuid) for c in credentials], "reason": "", "confirm": "1"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["Give a reason for revoking: it is kept in the audit trail."]}
    assert [row["credential"].pk for row in response.context["rows"]] == [c.pk for c in reversed(credentials)]
    assert Credential.objects.filter(status=CredentialStatus.REVOKED).count() == 0


def test_bulk_revoke_is_all_or_nothing(client_as, achievement, monkeypatch):
    credentials = [_issue(achievement, f"l{n}@example.com") for n in range(3)]
    versions = dict(StatusList.objects.values_list("pk", "version"))
    import badges.services

    calls = []

    def fail_at_the_audit(**kwargs):
        # The last write of the revocation fails: the status list and the credentials must be rolled back with it.
        calls.append(len(kwargs["items"]))
        raise CredentialError("The status list could not be updated.")

    monkeypatch.setattr(badges.services, "audit_record_many", fail_at_the_audit)
    response = client_as("owner").post(
        "/manage/uni/awards/revoke/",
        {"selected": [str(c.uuid) for c in credentials], "reason": "Cohort cancelled", "confirm": "1"},
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Nothing was revoked: The status list could not be updated."]
    assert calls == [3]
    assert Credential.objects.filter(status=CredentialStatus.REVOKED).count() == 0
    assert AuditEvent.objects.filter(action="credential.revoked").count() == 0
    assert dict(StatusList.objects.values_list("pk", "version")) == versions


def test_bulk_revoke_refuses_another_issuers_credentials(client_as, achievement, other_issuer):
    mine = _issue(achievement)
    foreign_achievement = Achievement.objects.create(
        issuer=other_issuer, slug="foreign", name="Foreign", description="d", criteria_narrative="c"
    )
    foreign = _issue(foreign_achievement)
    response = client_as("owner").post(
        "/manage/uni/awards/revoke/",
        {"selected": [str(mine.uuid), str(foreign.uuid)], "reason": "x", "confirm": "1"},
        follow=True,
    )
    assert response.redirect_chain == [("/manage/uni/awards/", 302)]
    assert "One of the selected awards does not exist here." in response.content.decode()
    assert Credential.objects.filter(status=CredentialStatus.REVOKED).count() == 0


def test_bulk_revoke_with_nothing_selected(client_as, achievement):
    response = client_as("owner").post("/manage/uni/awards/revoke/", {"back": "https://evil.example/"}, follow=True)
    assert response.redirect_chain == [("/manage/uni/awards/", 302)]
    assert "Select at least one award to revoke." in response.content.decode()
