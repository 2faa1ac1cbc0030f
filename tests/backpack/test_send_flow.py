"""Send to my backpack, end to end, with this platform's own Open Badges 3.0 API as the learner's host: discovery,
registration, the consent at the host with PKCE, the callback, the token and the upsert; then what the learner reads,
what the host holds, and what we keep (no token, no verifier)."""

from __future__ import annotations

import json

from django.contrib.auth.hashers import check_password
from oauth2_provider.models import AccessToken, Application

from backpack.models import BackpackSend, HostRegistration
from issuer.keystore import decrypt_text
from ob_api.models import StoredCredential
from ob_api.selectors import learner_credentials_page
from tests.backpack.conftest import API, LEARNER, Send, consent_at_host, path_of, query, signed_in, start_send

UPSERT = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"


def test_a_credential_sent_to_the_learners_host_is_stored_there(
    hosted, credential, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ours = signed_in(outbox, capture)

    # given: the learner's collection offers the send, and the credential's page asks for the host's address
    collection = ours.get("/me/credentials/")
    assert f'href="/me/backpack/{credential.uuid}/"' in collection.content.decode()
    page = ours.get(f"/me/backpack/{credential.uuid}/")
    assert page.status_code == 200
    assert "You have not sent this credential to a backpack yet." in page.content.decode()

    # when: they give the host's address (its base URL, as a learner would copy it)
    send = start_send(ours, credential, hosted.url)

    # then: we registered at the host, its secret kept encrypted, and the browser goes to its authorization URL
    registration = HostRegistration.objects.get()
    application = Application.objects.get()
    assert registration.client_id == application.client_id
    assert registration.registration_url == f"{hosted.url}{API}/register"
    secret = decrypt_text(registration.client_secret_encrypted)
    assert check_password(secret, application.client_secret)  # the very secret the host issued
    assert secret.encode() not in bytes(registration.client_secret_encrypted)
    assert application.redirect_uris == f"{hosted.url}/me/backpack/callback/"
    assert application.ob_registration.scope == UPSERT
    asked = query(send.authorization_url)
    assert send.authorization_url.startswith(f"{hosted.url}{API}/authorize?")
    assert asked["response_type"] == "code"
    assert asked["client_id"] == application.client_id
    assert asked["redirect_uri"] == f"{hosted.url}/me/backpack/callback/"
    assert asked["scope"] == UPSERT
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["state"]) >= 43 and len(asked["code_challenge"]) == 43
    pending = BackpackSend.objects.get()
    assert (pending.outcome, pending.host, pending.finished_at) == ("pending", hosted.url.split("//")[1], None)
    assert pending.state_hash == BackpackSend.hash_state(asked["state"])
    assert asked["state"] not in json.dumps(list(BackpackSend.objects.values_list("state_hash", "detail")))

    # when: at the host, the learner signs in, sees our name on the consent page and allows it
    redirect = consent_at_host(send, outbox, capture)
    assert redirect["Location"].startswith(f"{hosted.url}/me/backpack/callback/?")
    assert query(redirect["Location"])["state"] == asked["state"]
    back = ours.get(path_of(redirect["Location"]))

    # then: the credential is in the host's store for the learner, byte for byte, and the learner is told so
    assert back.status_code == 302
    assert back["Location"] == f"/me/backpack/{credential.uuid}/"
    stored = StoredCredential.objects.get()
    assert (stored.learner_email, stored.credential_id, stored.raw) == (
        LEARNER,
        credential.public_id,
        credential.document,
    )
    listed = learner_credentials_page(email=LEARNER, since=None, limit=100, offset=0)
    assert [item["id"] for item in listed.credentials] == [credential.public_id]
    result = ours.get(back["Location"]).content.decode()
    host = hosted.url.split("//")[1]
    assert f"Python Basics is now in your backpack at {host}." in result
    assert "Stored" in result

    # and: we keep the outcome, neither the token nor the verifier; the host's token was made for this one use
    finished = BackpackSend.objects.get()
    assert (finished.outcome, finished.host_status, finished.detail) == ("stored", 201, "")
    assert finished.claimed_at is not None and finished.finished_at is not None
    assert bytes(finished.code_verifier_encrypted) == b""
    assert AccessToken.objects.get().scope == UPSERT

    # when: the answer is replayed (a reload, or someone who saw the URL)
    replay = ours.get(path_of(redirect["Location"]))

    # then: refused, and nothing more reaches the host
    assert replay.status_code == 400
    assert "This answer from your host was already used." in replay.content.decode()
    assert StoredCredential.objects.count() == 1
    assert AccessToken.objects.count() == 1


def test_sending_again_replaces_the_copy_and_reuses_the_registration(
    hosted, credential, outbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    ours = signed_in(outbox, capture)
    first = start_send(ours, credential, hosted.url)
    ours.get(path_of(consent_at_host(first, outbox, capture)["Location"]))

    # the second time, the address given as the discovery endpoint itself
    second = start_send(ours, credential, f"{hosted.url}{API}/discovery")
    back = ours.get(path_of(consent_at_host(second, outbox, capture)["Location"]))

    assert HostRegistration.objects.count() == 1
    assert Application.objects.count() == 1
    assert StoredCredential.objects.count() == 1
    assert list(BackpackSend.objects.order_by("id").values_list("outcome", "host_status")) == [
        ("stored", 201),
        ("replaced", 200),
    ]
    page = ours.get(back["Location"]).content.decode()
    assert "the copy there has been replaced" in page
    assert page.count("<tr>") == 3  # the header row and both sends


def test_the_pages_read_in_german(hosted, credential, outbox, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    ours = signed_in(outbox, capture)
    german = {"HTTP_ACCEPT_LANGUAGE": "de"}

    page = ours.get(f"/me/backpack/{credential.uuid}/", **german).content.decode()
    assert "An meinen Backpack senden" in page
    assert "Die Adresse Ihres Backpacks" in page
    collection = ours.get("/me/credentials/", **german).content.decode()
    assert "An meinen Backpack senden" in collection

    started = ours.post(f"/me/backpack/{credential.uuid}/", {"address": hosted.url}, **german)
    assert "Der Link unten funktioniert einmal, 10 Minuten lang." in started.content.decode()
    send = Send(ours=ours, authorization_url=started.context["authorization_url"])
    back = ours.get(path_of(consent_at_host(send, outbox, capture)["Location"]), **german)
    result = ours.get(back["Location"], **german).content.decode()
    host = hosted.url.split("//")[1]
    assert f"Python Basics ist jetzt in Ihrem Backpack bei {host}." in result
    assert "Gespeichert" in result
