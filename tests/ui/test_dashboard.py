import pytest

from tests.actors import owner
from tests.ui.conftest import expected_status


@pytest.mark.parametrize("who", [None, "stranger", "owner", "editor", "awarder", "viewer"])
def test_dashboard_permission_matrix(client_as, issuer, who):
    response = client_as(who).get(f"/manage/{issuer.slug}/")
    assert response.status_code == expected_status(who, {"owner", "editor", "awarder", "viewer"})
    if who is None:
        assert response["Location"].startswith("/accounts/login/")


def test_dashboard_counts_and_activity(client_as, achievement):
    from badges.services import AwardRequest, credential_issue, credential_revoke

    for n in range(3):
        credential = credential_issue(
            request=AwardRequest(achievement=achievement, email=f"l{n}@example.com"),
            source="ui",
            actor=owner(achievement.issuer),
        )
    credential_revoke(credential=credential, reason="test", actor=owner(achievement.issuer))
    response = client_as("viewer").get(f"/manage/{achievement.issuer.slug}/")
    counts = response.context["counts"]
    assert (counts["awarded"], counts["active"], counts["revoked"], counts["this_month"]) == (3, 2, 1, 3)
    assert response.context["series"][-1]["count"] == 3
    assert len(response.context["series"]) == 12
    assert "alice revoked l2@example.com&#x27;s “Python Basics” — reason: test" in response.content.decode()


def test_unknown_issuer_is_404_even_for_signed_in_users(client_as):
    assert client_as("owner").get("/manage/nothing-here/").status_code == 404


def test_manage_index_redirects_to_the_only_issuer(client_as, issuer):
    response = client_as("viewer").get("/manage/")
    assert response.status_code == 302
    assert response["Location"] == f"/manage/{issuer.slug}/"


def test_sign_in_with_email_or_username(client, staff):
    assert (
        client.post("/accounts/login/", {"username": "viewer@example.com", "password": "pw-viewer-123456"}).status_code
        == 302
    )
    client.logout()
    assert client.post("/accounts/login/", {"username": "viewer", "password": "pw-viewer-123456"}).status_code == 302
    client.logout()
    response = client.post("/accounts/login/", {"username": "viewer", "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct" in response.content
    assert b'value="viewer"' in response.content  # what the user typed is kept


def test_password_reset_sends_a_working_link(
    client, staff, mailoutbox, tasks_in_process, django_capture_on_commit_callbacks
):
    import re

    with django_capture_on_commit_callbacks(execute=True):  # the e-mail is sent once the request commits
        response = client.post("/accounts/password-reset/", {"email": "viewer@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "a-new-Passw0rd-xyz", "new_password2": "a-new-Passw0rd-xyz"})
    assert response.status_code == 302
    signed_in = client.post("/accounts/login/", {"username": "viewer", "password": "a-new-Passw0rd-xyz"})
    assert signed_in.status_code == 302
