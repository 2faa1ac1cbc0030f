"""/me/credentials/: the signed-in learner's credentials from every issuer, visibility, the ZIP, sign-out."""

from __future__ import annotations

import io
import zipfile

import pytest

from learners.models import LearnerCredentialVisibility, LearnerProfile
from learners.views import LEARNER_SESSION_KEY
from tests.actors import owner
from tests.learners.conftest import issue, sign_in


@pytest.fixture
def credentials(achievement, other_achievement):
    """Two of Lea's credentials from two issuers, and one of Bob's."""
    return {
        "lea_uni": issue(achievement, format="both"),
        "lea_other": issue(other_achievement, email="LEA@example.com"),
        "bob_uni": issue(achievement, email="bob@example.com", name="Bob Other"),
    }


@pytest.fixture
def lea_client(client, outbox, django_capture_on_commit_callbacks, credentials):
    sign_in(client, outbox, django_capture_on_commit_callbacks)
    return client


def test_collection_needs_a_learner_session(client, db):
    response = client.get("/me/credentials/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert client.get("/me/credentials.zip")["Location"] == "/me/"


def test_collection_lists_exactly_the_address_credentials(lea_client, credentials):
    response = lea_client.get("/me/credentials/")
    html = response.content.decode()
    assert response.status_code == 200
    rows = response.context["rows"]
    assert {row.credential.pk for row in rows} == {credentials["lea_uni"].pk, credentials["lea_other"].pk}
    assert {(row.achievement_name, row.issuer_name, row.state) for row in rows} == {
        ("Python Basics", "Test University", "active"),
        ("SQL Fundamentals", "Other Academy", "active"),
    }
    assert all(not row.shown for row in rows)
    assert credentials["lea_uni"].public_id in html
    assert credentials["lea_other"].public_id in html
    assert credentials["bob_uni"].public_id not in html
    assert str(credentials["bob_uni"].uuid) not in html
    assert "bob@example.com" not in html
    assert "Hidden" in html


def test_collection_shows_revoked_state(lea_client, credentials):
    from badges.services import credential_revoke

    credential_revoke(
        credential=credentials["lea_other"], reason="Mistake", actor=owner(credentials["lea_other"].issuer)
    )
    rows = lea_client.get("/me/credentials/").context["rows"]
    assert {row.credential.pk: row.state for row in rows}[credentials["lea_other"].pk] == "revoked"


def test_cannot_touch_another_address_credential(lea_client, credentials):
    response = lea_client.post(f"/me/credentials/{credentials['bob_uni'].uuid}/visibility/", {"value": "on"})
    assert response.status_code == 404
    assert LearnerCredentialVisibility.objects.count() == 0


def test_session_of_one_learner_never_shows_another(client, outbox, django_capture_on_commit_callbacks, credentials):
    sign_in(client, outbox, django_capture_on_commit_callbacks, email="bob@example.com")
    rows = client.get("/me/credentials/", {"email": "lea@example.com"}).context["rows"]
    assert [row.credential.pk for row in rows] == [credentials["bob_uni"].pk]
    archive = zipfile.ZipFile(io.BytesIO(client.get("/me/credentials.zip").content))
    assert archive.namelist() == [f"{credentials['bob_uni'].uuid}.json"]


def test_zip_holds_the_stored_documents_byte_for_byte(lea_client, credentials):
    response = lea_client.get("/me/credentials.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="credentials.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    lea_uni, lea_other = credentials["lea_uni"], credentials["lea_other"]
    assert lea_uni.jws
    assert not lea_other.jws
    assert sorted(archive.namelist()) == sorted(
        [f"{lea_uni.uuid}.json", f"{lea_uni.uuid}.jwt", f"{lea_other.uuid}.json"]
    )
    assert archive.read(f"{lea_uni.uuid}.json") == lea_uni.document.encode("utf-8")
    assert archive.read(f"{lea_uni.uuid}.jwt") == lea_uni.jws.encode("utf-8")
    assert archive.read(f"{lea_other.uuid}.json") == lea_other.document.encode("utf-8")
    assert archive.testzip() is None


def test_sign_out_ends_the_learner_session(lea_client):
    response = lea_client.post("/me/sign-out/")
    assert response.status_code == 302
    assert LEARNER_SESSION_KEY not in lea_client.session
    assert lea_client.get("/me/credentials/")["Location"] == "/me/"


def test_sign_out_needs_post(lea_client):
    assert lea_client.get("/me/sign-out/").status_code == 405
    assert LEARNER_SESSION_KEY in lea_client.session


def test_visibility_and_publish_reject_bad_values(lea_client, credentials):
    uuid = credentials["lea_uni"].uuid
    assert lea_client.post(f"/me/credentials/{uuid}/visibility/", {"value": "maybe"}).status_code == 400
    assert lea_client.post("/me/profile/", {"value": ""}).status_code == 400
    assert LearnerCredentialVisibility.objects.count() == 0
    assert LearnerProfile.objects.get().is_public is False
