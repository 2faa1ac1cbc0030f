"""Public pages and documents are made once per change, kept, and revalidated (docs/decisions.md D40): a matching
ETag is a 304 without a body, a change is a new ETag, a revocation, a suspension, an expiry or a compromised key shows
on the very next request, and nothing about a signed-in reader is kept for anyone else."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from badges.models import Credential, StatusList
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend, credential_unsuspend
from config.http_cache import IMMUTABLE, PRIVATE_REVALIDATE, REVALIDATE
from issuer.models import KeyState, SigningKey
from issuer.services import issuer_key_rotate, signing_key_mark_compromised
from tests.actors import owner

pytestmark = pytest.mark.django_db
HTML = "text/html"


@pytest.fixture
def credential(achievement):
    return _issue(achievement)


def _issue(achievement, **kwargs):
    request = AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner", **kwargs)
    return credential_issue(request=request, source="ui", notify=False, actor=owner(achievement.issuer))


def _page(client, credential):
    response = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML)
    assert response.status_code == 200
    return response


def _list_url(credential, purpose="revocation"):
    return f"/issuers/{credential.issuer.slug}/status/{purpose}/{credential.status_sequence}"


def _documents(credential):
    """Every public document of one credential and its issuer, with the Cache-Control it must carry."""
    base = f"/credentials/{credential.uuid}"
    return [
        (base, {"HTTP_ACCEPT": HTML}, REVALIDATE),
        (base, {"HTTP_ACCEPT": "application/vc+ld+json"}, IMMUTABLE),
        (f"{base}?format=json", {}, IMMUTABLE),
        (f"{base}?format=jwt", {}, IMMUTABLE),
        (f"{base}?format=png", {}, IMMUTABLE),
        (f"{base}?format=svg", {}, IMMUTABLE),
        (_list_url(credential), {}, REVALIDATE),
        (_list_url(credential, "suspension"), {}, REVALIDATE),
        ("/issuers/uni/did.json", {}, REVALIDATE),
        ("/issuers/uni/", {}, REVALIDATE),
        (f"/achievements/{credential.achievement.uuid}", {}, REVALIDATE),
    ]


def test_every_public_document_answers_its_etag_with_304_and_no_body(client, achievement):
    credential = _issue(achievement, format="both")
    for url, headers, cache_control in _documents(credential):
        first = client.get(url, **headers)
        assert first.status_code == 200, url
        assert first["Cache-Control"] == cache_control, url
        assert first["ETag"].startswith('"') and first["ETag"].endswith('"'), url
        again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **headers)
        assert (again.status_code, again.content) == (304, b""), url
        assert again["ETag"] == first["ETag"], url
        assert again["Cache-Control"] == cache_control, url
        other = client.get(url, HTTP_IF_NONE_MATCH='"something-else"', **headers)
        assert other.status_code == 200 and other.content == first.content, url


def test_the_json_and_its_page_have_their_own_etags_and_vary_on_accept(client, credential):
    url = f"/credentials/{credential.uuid}"
    page = client.get(url, HTTP_ACCEPT=HTML)
    document = client.get(url, HTTP_ACCEPT="application/vc+ld+json")
    assert document.content == credential.document.encode()
    assert page["ETag"] != document["ETag"]
    assert "Accept" in page["Vary"] and "Accept" in document["Vary"]
    # The page's validator is not the document's: a cache holding the JSON cannot revalidate the page with it.
    assert client.get(url, HTTP_ACCEPT=HTML, HTTP_IF_NONE_MATCH=document["ETag"]).status_code == 200


def test_what_cannot_be_had_is_not_kept(client, achievement):
    credential = _issue(achievement)  # Data Integrity only: no VC-JWT
    response = client.get(f"/credentials/{credential.uuid}?format=jwt")
    assert response.status_code == 406
    assert "ETag" not in response
    assert response["Cache-Control"] == "no-store"


def test_revocation_shows_at_once_on_the_page_and_in_the_status_list(client, credential):
    before_page, before_list = _page(client, credential), client.get(_list_url(credential))
    assert _page(client, credential)["ETag"] == before_page["ETag"]  # served from the kept fragments
    assert before_page.context["verification"]["state"] == "valid"

    credential_revoke(credential=credential, reason="fraud", actor=owner(credential.issuer))

    after_list = client.get(_list_url(credential), HTTP_IF_NONE_MATCH=before_list["ETag"])
    assert after_list.status_code == 200 and after_list["ETag"] != before_list["ETag"]
    encoded = json.loads(after_list.content)["credentialSubject"]["encodedList"]
    assert encoded != json.loads(before_list.content)["credentialSubject"]["encodedList"]
    after_page = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML, HTTP_IF_NONE_MATCH=before_page["ETag"])
    assert after_page.status_code == 200 and after_page["ETag"] != before_page["ETag"]
    html = after_page.content.decode()
    assert '<span class="badge-status status-revoked">Revoked</span>' in html
    assert after_page.context["verification"]["state"] == "invalid"
    assert "✗ Not valid" in html


def test_suspension_and_its_end_show_at_once(client, credential):
    assert _page(client, credential).context["state"] == "active"
    suspension = client.get(_list_url(credential, "suspension"))
    credential_suspend(credential=credential, reason="review", actor=owner(credential.issuer))
    page = _page(client, credential)
    assert (page.context["state"], page.context["verification"]["state"]) == ("suspended", "invalid")
    assert client.get(_list_url(credential, "suspension"))["ETag"] != suspension["ETag"]
    credential_unsuspend(credential=credential, actor=owner(credential.issuer))
    page = _page(client, credential)
    assert (page.context["state"], page.context["verification"]["state"]) == ("active", "valid")


def test_an_expired_credential_reads_expired_on_the_next_request_whatever_was_kept(client, achievement):
    # Real time, nothing mocked: the page is kept while the credential is valid, then the clock passes its end.
    ends = timezone.now() + timedelta(seconds=2)
    credential = _issue(achievement, valid_until=ends)
    valid = _page(client, credential)
    assert (valid.context["state"], valid.context["verification"]["state"]) == ("active", "valid")
    assert _page(client, credential)["ETag"] == valid["ETag"]
    time.sleep(max(0.0, (ends - timezone.now()).total_seconds()) + 0.1)
    expired = _page(client, credential)
    assert expired.context["state"] == "expired"
    assert '<span class="badge-status status-expired">Expired</span>' in expired.content.decode()
    assert expired.context["verification"]["state"] == "invalid"


def test_a_compromised_key_leaves_the_did_document_and_fails_the_page_at_once(client, credential):
    page, did = _page(client, credential), client.get("/issuers/uni/did.json")
    key = SigningKey.objects.get(pk=credential.signing_key_id)
    assert f"#{key.key_id}" in did.content.decode()

    signing_key_mark_compromised(key=key, actor=owner(credential.issuer), reason="leaked")

    changed = client.get("/issuers/uni/did.json", HTTP_IF_NONE_MATCH=did["ETag"])
    assert changed.status_code == 200 and f"#{key.key_id}" not in changed.content.decode()
    after = _page(client, credential)
    assert after["ETag"] != page["ETag"]
    assert after.context["verification"]["state"] == "invalid"


def test_a_rotated_key_is_listed_at_once(client, issuer):
    first = client.get("/issuers/uni/did.json")
    new_key = issuer_key_rotate(issuer=issuer, actor=owner(issuer))
    second = client.get("/issuers/uni/did.json")
    assert second["ETag"] != first["ETag"]
    assert f"#{new_key.key_id}" in second.content.decode()
    assert SigningKey.objects.filter(issuer=issuer, state=KeyState.RETIRED).exists()


def test_the_status_list_is_signed_once_and_then_served_from_the_cache(client, credential, django_assert_num_queries):
    first = client.get(_list_url(credential))
    stored = StatusList.objects.get(issuer=credential.issuer, purpose="revocation").signed_document
    # One query: the list's version. Nothing signed, nothing stored, the document not even read from its row.
    with django_assert_num_queries(1):
        again = client.get(_list_url(credential))
    assert again.content == first.content == stored.encode()


def test_the_did_document_is_built_once_per_change_of_its_keys(client, issuer, django_assert_num_queries):
    first = client.get("/issuers/uni/did.json")
    with django_assert_num_queries(2):  # the issuer, the ids of the keys it lists
        again = client.get("/issuers/uni/did.json")
    assert again.content == first.content


def test_the_kept_page_costs_two_queries(client, credential, django_assert_num_queries, settings):
    settings.ANALYTICS_FLUSH_SECONDS = 3600  # the view is counted in memory, written later (analytics.services)
    _page(client, credential)
    # The credential with its lists' versions and its keys' states, and the stacking sections' rules.
    with django_assert_num_queries(2):
        _page(client, credential)


def test_a_signed_in_reader_and_an_anonymous_one_never_share_a_page(client, user, credential):
    signed_in = Client()
    signed_in.force_login(user)
    theirs = _page(signed_in, credential)
    html = theirs.content.decode()
    assert "alice" in html and "Sign out" in html and "csrfmiddlewaretoken" in html
    assert theirs["Cache-Control"] == PRIVATE_REVALIDATE
    assert "Cookie" in theirs["Vary"]

    anonymous = _page(client, credential)  # the fragments are kept now, from the signed-in request
    html = anonymous.content.decode()
    assert "alice" not in html and "Sign out" not in html and "csrfmiddlewaretoken" not in html
    assert anonymous["Cache-Control"] == REVALIDATE
    assert anonymous["ETag"] != theirs["ETag"]
    # The anonymous page's validator never answers for a signed-in reader, and the other way round.
    assert (
        signed_in.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT=HTML, HTTP_IF_NONE_MATCH=anonymous["ETag"])[
            "Cache-Control"
        ]
        == PRIVATE_REVALIDATE
    )
    assert "alice" in _page(signed_in, credential).content.decode()


def test_a_kept_page_is_never_another_tenants(client, achievement, other_issuer):
    from badges.models import Achievement

    theirs = Achievement.objects.create(
        issuer=other_issuer, slug="theirs", name="Their Badge", description="Not ours.", criteria_narrative="x"
    )
    ours, other = _issue(achievement), _issue(theirs)
    assert "Python Basics" in _page(client, ours).content.decode()
    html = _page(client, other).content.decode()
    assert "Their Badge" in html and "Python Basics" not in html
    other_list = client.get(_list_url(other))
    assert json.loads(other_list.content)["issuer"] == other_issuer.did
    assert client.get("/issuers/other/did.json").json()["id"] == other_issuer.did


def test_the_pages_and_documents_are_served_with_redis_down(redis_down, client, credential):
    for url, headers, _ in _documents(credential):
        if "format=jwt" in url:
            continue
        assert client.get(url, **headers).status_code == 200, url
    credential_revoke(credential=credential, reason="fraud", actor=owner(credential.issuer))
    assert _page(client, credential).context["state"] == "revoked"
    assert Credential.objects.get(pk=credential.pk).status == "revoked"
