"""/api/v1/issuers/<slug>/credentials: award (idempotent), list with filters and pages, retrieve the signed
document, revoke, suspend, unsuspend and their refusals; scopes, another issuer's credentials (404, unchanged)
and the session roles."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from badges.models import Achievement, Credential, CredentialStatus
from badges.services import AwardRequest, credential_issue, credential_revoke
from issuer.models import AuditEvent
from tests.actors import owner
from tests.api.conftest import SITE, ApiClient, assert_problem, make_token
from tests.api.test_issuer_api import session
from tests.ui.conftest import staff  # noqa: F401 - fixture

URL = "/api/v1/issuers/uni/credentials"
AWARD = {"achievement": "python-basics", "email": "Ada@Example.org", "name": "Ada Lovelace"}


def url(credential: Credential, suffix: str = "") -> str:
    return f"/api/v1/issuers/{credential.issuer.slug}/credentials/{credential.uuid}{suffix}"


def issue(achievement: Achievement, email: str = "ada@example.org") -> Credential:
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email),
        source="ui",
        notify=False,
        actor=owner(achievement.issuer),
    )


@pytest.fixture
def credential(achievement):
    return issue(achievement)


@pytest.fixture
def other_credential(other_issuer):
    theirs = Achievement.objects.create(
        issuer=other_issuer, slug="theirs", name="Theirs", description="x", criteria_narrative="x"
    )
    return issue(theirs)


def test_award(api, token, issuer, achievement, user):
    response = api.post(URL, {**AWARD, "evidence": [{"id": "https://lms.example.org/work/17", "name": "Project"}]})

    assert response.status_code == 201, response.content
    credential = Credential.objects.get()
    body = response.json()
    assert response["Location"] == f"{SITE}{URL}/{credential.uuid}"
    assert body["id"] == str(credential.uuid)
    assert body["public_id"] == f"{SITE}/credentials/{credential.uuid}"
    assert (body["status"], body["state"], body["source"]) == ("active", "active", "api")
    assert (body["recipient_email"], body["recipient_name"]) == ("ada@example.org", "Ada Lovelace")
    assert body["achievement"] == {"id": str(achievement.uuid), "slug": "python-basics", "name": "Python Basics"}
    assert body["document"] == json.loads(credential.document)
    assert body["document"]["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert body["jws"] is None
    assert body["formats"] == ["Data Integrity"]
    assert body["evidence"] == [{"id": "https://lms.example.org/work/17", "name": "Project"}]
    assert (credential.source, credential.awarded_by) == ("api", user)
    event = AuditEvent.objects.get(action="credential.issued")
    assert event.actor_label == token[0].label
    assert [message.to for message in mail.outbox] == [["ada@example.org"]]


def test_award_with_an_email_language(api, achievement):
    """The issuer knows its learner reads German (an LMS's locale): the award e-mail is German, the credential is
    the same as any other (D52)."""
    body = api.post(URL, {**AWARD, "language": "de"}).json()

    assert body["language"] == "de"
    (message,) = mail.outbox
    assert message.subject == "Sie haben Python Basics von Test University erhalten"
    assert "language" not in body["document"] and "@language" not in json.dumps(body["document"])


def test_an_email_language_not_offered_is_refused_naming_the_field(api, achievement):
    response = api.post(URL, {**AWARD, "language": "fr"})

    body = assert_problem(response, 400, "invalid-request")
    assert list(body["errors"]) == ["language"]
    assert not Credential.objects.exists()


def test_award_as_a_vc_jwt_without_an_email(api, achievement):
    body = api.post(URL, {**AWARD, "achievement": str(achievement.uuid), "format": "both", "notify": False}).json()

    assert body["jws"].count(".") == 2
    assert body["formats"] == ["Data Integrity", "VC-JWT"]
    assert mail.outbox == []


def test_the_same_key_and_body_award_once(api, achievement):
    key = {"Idempotency-Key": "award-ada-1"}

    first = api.post(URL, AWARD, headers=key)
    again = api.post(URL, AWARD, headers=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Credential.objects.count() == 1
    assert Credential.objects.get().idempotency_key.startswith("api:")
    assert len(mail.outbox) == 1


def test_the_same_key_with_another_body_is_422(api, achievement):
    key = {"Idempotency-Key": "award-ada-2"}
    api.post(URL, AWARD, headers=key)

    other = api.post(URL, {**AWARD, "email": "grace@example.org"}, headers=key)

    assert_problem(other, 422, "idempotency-key-reused")
    assert list(Credential.objects.values_list("recipient_email", flat=True)) == ["ada@example.org"]


def test_keys_are_per_token(issuer, achievement):
    key = {"Idempotency-Key": "same"}
    first = ApiClient(make_token(issuer, name="a")[1]).post(URL, AWARD, headers=key)
    second = ApiClient(make_token(issuer, name="b")[1]).post(URL, {**AWARD, "email": "bob@example.org"}, headers=key)

    assert (first.status_code, second.status_code) == (201, 201)
    assert Credential.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"achievement": "no-such-badge"}, "achievement"),
        ({"achievement": "old"}, "achievement"),  # archived
        ({"email": "not-an-address"}, "email"),
        ({"valid_from": "2030-01-02T00:00:00Z", "valid_until": "2030-01-01T00:00:00Z"}, "valid_until"),
        ({"valid_until": "2001-01-01T00:00:00Z"}, "valid_until"),
        ({"evidence": [{"id": "not a url"}]}, "evidence"),
        ({"evidence": [{}]}, "evidence"),
    ],
)
def test_an_award_the_rules_refuse_is_422(api, issuer, achievement, change, field):
    Achievement.objects.create(
        issuer=issuer, slug="old", name="Old", description="x", criteria_narrative="x", archived=True
    )

    problem = assert_problem(api.post(URL, {**AWARD, **change}), 422, "invalid-request")

    assert list(problem["errors"]) == [field]
    assert Credential.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({"valid_from": "yesterday"}, "valid_from"),
        ({"valid_from": "9999-12-31T00:00:00Z"}, "valid_from"),
        ({"recipient": "x"}, "recipient"),
    ],
)
def test_an_award_of_the_wrong_shape_is_400(api, achievement, change, field):
    problem = assert_problem(api.post(URL, {**AWARD, **change}), 400, "invalid-request")

    assert list(problem["errors"]) == [field]
    assert Credential.objects.count() == 0


def test_another_issuers_achievement_cannot_be_awarded(api, other_credential):
    problem = assert_problem(api.post(URL, {**AWARD, "achievement": "theirs"}), 422, "invalid-request")

    assert list(problem["errors"]) == ["achievement"]
    assert Credential.objects.count() == 1


def test_list_with_filters(api, issuer, achievement):
    sql = Achievement.objects.create(issuer=issuer, slug="sql", name="SQL", description="x", criteria_narrative="x")
    ada = issue(achievement, "ada@example.org")
    bob = issue(achievement, "bob@example.org")
    ada_sql = issue(sql, "ada@example.org")
    credential_revoke(credential=bob, reason="mistake", actor=owner(bob.issuer))
    Credential.objects.filter(pk=ada.pk).update(created_at=timezone.now() - timedelta(days=10))

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    assert ids() == [str(ada_sql.uuid), str(bob.uuid), str(ada.uuid)]
    assert ids(achievement="sql") == [str(ada_sql.uuid)]
    assert ids(achievement=str(achievement.pk)) == [str(bob.uuid), str(ada.uuid)]
    assert ids(email=" ADA@example.org ") == [str(ada_sql.uuid), str(ada.uuid)]
    assert ids(status="revoked") == [str(bob.uuid)]
    assert ids(status="active", email="ada@example.org", achievement="python-basics") == [str(ada.uuid)]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(issued_since=since) == [str(ada_sql.uuid), str(bob.uuid)]
    assert ids(issued_since="2000-01-01") == [str(ada_sql.uuid), str(bob.uuid), str(ada.uuid)]
    assert ids(issued_since="2999-01-01T00:00:00Z") == []
    revoked = api.get(URL, {"status": "revoked"}).json()["results"][0]
    assert (revoked["state"], revoked["status_reason"]) == ("revoked", "mistake")
    assert "document" not in revoked


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"status": "pending"}, "status"),
        ({"source": "fax"}, "source"),
        ({"since": "31.01.2030"}, "since"),
        ({"q": "x" * 201}, "q"),
        ({"issued_since": "last week"}, "issued_since"),
        ({"issued_since": "2026-13-45"}, "issued_since"),
        ({"achievement": "no-such-badge"}, "achievement"),
        ({"achievement": "99999999999999999999999"}, "achievement"),
        ({"email": "a\x00b"}, "email"),
        ({"offset": "-1"}, "offset"),
    ],
)
def test_bad_filters_are_400(api, achievement, params, name):
    problem = assert_problem(api.get(URL, params), 400, "invalid-request")

    assert list(problem["errors"]) == [name]


def test_list_pages(api, achievement):
    made = [issue(achievement, f"p{n}@example.org") for n in range(3)]

    body = api.get(URL, {"limit": 2}).json()
    rest = api.get(body["next"].removeprefix(SITE)).json()

    assert body["count"] == 3
    assert [item["id"] for item in body["results"] + rest["results"]] == [str(c.uuid) for c in reversed(made)]
    assert rest["next"] is None
    assert api.get(URL, {"limit": 1000}).json()["count"] == 3  # cut to 200, not refused
    assert api.get(URL, {"offset": 3}).json()["results"] == []


def test_retrieve(api, credential):
    body = api.get(url(credential)).json()

    assert body["document"] == json.loads(credential.document)
    assert body["links"] == {"self": f"{SITE}{url(credential)}", "public": credential.public_id}
    assert body["valid_until"] is None


def test_revoke(api, credential, token):
    response = api.post(url(credential, "/revoke"), {"reason": "Awarded by mistake"})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["status_reason"]) == ("revoked", "Awarded by mistake")
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REVOKED
    assert AuditEvent.objects.get(action="credential.revoked").actor_label == token[0].label
    assert_problem(api.post(url(credential, "/revoke"), {"reason": "again"}), 409, "invalid-state", "already revoked")
    assert_problem(api.post(url(credential, "/suspend")), 409, "invalid-state", "this one is revoked")


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_revoke_needs_a_reason(api, credential, body):
    problem = assert_problem(api.post(url(credential, "/revoke"), body), 422, "invalid-request")

    assert list(problem["errors"]) == ["reason"]
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ACTIVE


def test_suspend_and_unsuspend(api, credential):
    assert_problem(api.post(url(credential, "/unsuspend")), 409, "invalid-state", "this one is active")

    suspended = api.post(url(credential, "/suspend"))

    assert (suspended.status_code, suspended.json()["state"]) == (200, "suspended")
    assert_problem(api.post(url(credential, "/suspend"), {"reason": "x"}), 409, "invalid-state")
    reinstated = api.post(url(credential, "/unsuspend"))
    assert (reinstated.status_code, reinstated.json()["status"]) == (200, "active")
    assert list(
        AuditEvent.objects.filter(action__startswith="credential.").order_by("pk").values_list("action", flat=True)
    ) == [
        "credential.issued",
        "credential.suspended",
        "credential.unsuspended",
    ]


def test_a_read_only_token_changes_nothing(issuer, achievement, credential):
    client = ApiClient(make_token(issuer, scopes=["credentials:read"])[1])

    assert_problem(client.post(URL, AWARD), 403, "insufficient-scope", "credentials:write")
    for action in ("revoke", "suspend", "unsuspend"):
        assert_problem(client.post(url(credential, f"/{action}"), {"reason": "x"}), 403, "insufficient-scope")

    assert Credential.objects.count() == 1
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.ACTIVE
    assert client.get(url(credential)).status_code == 200


def test_another_issuers_credential_is_404_and_unchanged(api, other_credential):
    theirs = url(other_credential)
    mine = theirs.replace("/issuers/other/", "/issuers/uni/")

    for path in (theirs, mine):
        assert_problem(api.get(path), 404, "not-found")
        for action in ("revoke", "suspend", "unsuspend"):
            assert_problem(api.post(f"{path}/{action}", {"reason": "x"}), 404, "not-found")
    assert_problem(api.get("/api/v1/issuers/other/credentials"), 404, "not-found", "No such issuer.")
    assert api.get(URL).json()["count"] == 0

    other_credential.refresh_from_db()
    assert (other_credential.status, other_credential.status_reason) == (CredentialStatus.ACTIVE, "")


@pytest.mark.parametrize("who", [None, "stranger", "owner", "editor", "awarder", "viewer"])
def test_session_roles(staff, credential, who):  # noqa: F811
    client = session(staff, who)

    read = client.get(url(credential))
    award = client.post(URL, {**AWARD, "notify": False})

    expected_read = {None: 401, "stranger": 404}.get(who, 200)
    expected_award = {None: 401, "stranger": 404, "owner": 201, "awarder": 201}.get(who, 403)
    assert (read.status_code, award.status_code) == (expected_read, expected_award)
    assert Credential.objects.count() == (2 if expected_award == 201 else 1)
    if expected_award == 201:
        assert Credential.objects.get(uuid=award.json()["id"]).awarded_by == staff[who]


def test_award_with_results_dates_narrative_and_evidence(api, achievement):
    # given
    achievement.result_descriptions = [
        {"name": "Final", "resultType": "Percent", "valueMin": "0", "valueMax": "100"},
        {"name": "Completion", "resultType": "Status"},
    ]
    achievement.save()
    evidence = {
        "id": "https://lms.example.org/work/17",
        "name": "Project",
        "genre": "Project",
        "description": "A parser",
    }
    # when
    response = api.post(
        URL,
        {
            **AWARD,
            "results": [
                {"result_description": "Final", "value": "87"},
                {"result_description": 1, "status": "Completed"},
            ],
            "awarded_date": "2024-06-30T12:00:00Z",
            "activity_start_date": "2024-04-01T00:00:00+02:00",
            "activity_end_date": "2024-06-28T00:00:00Z",
            "narrative": "Built a parser.",
            "evidence": [evidence],
        },
    )
    # then
    assert response.status_code == 201, response.content
    document = response.json()["document"]
    assert document["awardedDate"] == "2024-06-30T12:00:00Z"
    subject = document["credentialSubject"]
    assert subject["result"] == [
        {"type": ["Result"], "resultDescription": f"{achievement.public_id}#result-final", "value": "87"},
        {"type": ["Result"], "resultDescription": f"{achievement.public_id}#result-completion", "status": "Completed"},
    ]
    assert (subject["activityStartDate"], subject["activityEndDate"]) == (
        "2024-03-31T22:00:00Z",
        "2024-06-28T00:00:00Z",
    )
    assert subject["narrative"] == "Built a parser."
    assert document["evidence"] == [{"type": ["Evidence"], **evidence}]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"results": [{"result_description": "Oral", "value": "1"}]}, "results[0].result_description"),
        ({"results": [{"result_description": "Final", "value": "a lot"}]}, "results[0].value"),
        ({"results": [{"result_description": "Final", "value": "80", "status": "Done"}]}, "results[0].status"),
        (
            {"results": [{"result_description": "Final", "achieved_level": "https://x.example/1"}]},
            "results[0].achieved_level",
        ),
        ({"awarded_date": "2999-01-01T00:00:00Z"}, "awarded_date"),
        (
            {"activity_start_date": "2024-02-01T00:00:00Z", "activity_end_date": "2024-01-01T00:00:00Z"},
            "activity_end_date",
        ),
    ],
)
def test_results_and_dates_the_rules_refuse_are_422_naming_the_member(api, achievement, change, field):
    problem = assert_problem(api.post(URL, {**AWARD, **change}), 422, "invalid-request")

    assert list(problem["errors"]) == [field]
    assert Credential.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"results": [{"value": "80"}]}, "results[0].result_description"),
        ({"results": [{"result_description": "Final", "score": "80"}]}, "results[0].score"),
        ({"awarded_date": "30.06.2024"}, "awarded_date"),
    ],
)
def test_results_and_dates_of_the_wrong_shape_are_400(api, achievement, change, field):
    problem = assert_problem(api.post(URL, {**AWARD, **change}), 400, "invalid-request")

    assert list(problem["errors"]) == [field]
    assert Credential.objects.count() == 0
