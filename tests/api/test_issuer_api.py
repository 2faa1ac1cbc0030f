"""GET/PATCH /api/v1/issuers/<slug>: the profile with its DID, changes through issuer_update (audited), scopes,
another issuer's profile (404, unchanged) and the session roles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from issuer.models import AuditEvent, Issuer
from tests.api.conftest import SITE, ApiClient, assert_problem, make_token
from tests.ui.conftest import staff  # noqa: F401 - fixture

URL = "/api/v1/issuers/uni"


def patch(client: ApiClient, url: str, body: Any) -> Any:
    return client.generic("PATCH", url, json.dumps(body), content_type="application/json")


def session(staff: dict[str, Any], who: str | None) -> ApiClient:  # noqa: F811
    client = ApiClient(client=Client())
    if who is not None:
        client.client.force_login(staff[who])
    return client


def test_every_profile_field_but_the_logo_can_be_changed():
    from api.serializers_manage import IssuerUpdateSerializer
    from issuer.services import PROFILE_FIELDS

    assert set(IssuerUpdateSerializer().fields) == PROFILE_FIELDS - {"image"}


def test_read_the_profile_with_its_did(api, issuer):
    response = api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "uni"
    assert body["name"] == "Test University"
    assert body["url"] == "https://uni.example.org"
    assert body["did"] == "did:web:badges.example.test:issuers:uni" == issuer.did
    assert body["did_document"] == f"{SITE}/issuers/uni/did.json"
    assert body["public_page"] == f"{SITE}/issuers/uni/"
    assert body["image"] is None
    assert body["other_identifiers"] == []


def test_patch_changes_only_what_it_names_and_is_audited(api, token, issuer, user):
    body = {
        "description": "Short courses.",
        "url": "https://new.example.org",
        "other_identifiers": [{"identifier": "UNI-1", "identifierType": "sourcedId"}],
    }

    response = patch(api, URL, body)

    assert response.status_code == 200, response.content
    assert response.json()["url"] == "https://new.example.org"
    issuer.refresh_from_db()
    assert (issuer.name, issuer.description, issuer.url) == ("Test University", "Short courses.", body["url"])
    assert issuer.other_identifiers == [{"identifier": "UNI-1", "identifierType": "sourcedId"}]
    event = AuditEvent.objects.get(action="issuer.updated")
    assert event.data == {"changed": ["description", "other_identifiers", "url"]}
    assert (event.actor, event.actor_label) == (user, token[0].label)


def test_the_brand_colour_is_stored_in_lower_case_and_read_back(api, issuer):
    response = patch(api, URL, {"brand_color": "#1A7F37"})

    assert response.status_code == 200, response.content
    assert response.json()["brand_color"] == "#1a7f37"
    assert Issuer.objects.get(pk=issuer.pk).brand_color == "#1a7f37"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"email": "nobody"}, "email"),
        ({"other_identifiers": [{"identifier": "X", "identifierType": "shoeSize"}]}, "other_identifiers"),
        ({"brand_color": "red"}, "brand_color"),
        ({"brand_color": "#12345"}, "brand_color"),
    ],
)
def test_a_value_the_profile_refuses_is_422_and_changes_nothing(api, issuer, body, field):
    before = Issuer.objects.values().get(pk=issuer.pk)

    problem = assert_problem(patch(api, URL, body), 422, "invalid-request")

    assert list(problem["errors"]) == [field]
    assert Issuer.objects.values().get(pk=issuer.pk) == before
    assert not AuditEvent.objects.filter(action="issuer.updated").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "renamed"}, "slug"),
        ({"name": ""}, "name"),
        ({"issue_jwt_by_default": "maybe"}, "issue_jwt_by_default"),
    ],
)
def test_a_body_of_the_wrong_shape_is_400(api, issuer, body, field):
    problem = assert_problem(patch(api, URL, body), 400, "invalid-request")

    assert list(problem["errors"]) == [field]
    assert Issuer.objects.get(pk=issuer.pk).slug == "uni"


def test_a_body_that_is_not_an_object_is_400(api):
    assert_problem(patch(api, URL, ["name"]), 400, "invalid-request", "Expected a JSON object.")


def test_a_read_only_token_cannot_change_the_profile(issuer):
    client = ApiClient(make_token(issuer, scopes=["issuer:read"])[1])
    before = Issuer.objects.values().get(pk=issuer.pk)

    assert_problem(patch(client, URL, {"name": "Hijacked"}), 403, "insufficient-scope", "issuer:write")

    assert Issuer.objects.values().get(pk=issuer.pk) == before
    assert client.get(URL).status_code == 200


def test_a_token_without_the_issuer_scope_cannot_read_it(issuer):
    client = ApiClient(make_token(issuer, scopes=["credentials:write"])[1])

    assert_problem(client.get(URL), 403, "insufficient-scope", "issuer:read")


def test_another_issuers_profile_is_404_and_unchanged(api, other_issuer):
    before = Issuer.objects.values().get(pk=other_issuer.pk)
    missing = api.get("/api/v1/issuers/no-such-issuer")

    for response in (api.get("/api/v1/issuers/other"), patch(api, "/api/v1/issuers/other", {"name": "Mine"})):
        assert_problem(response, 404, "not-found")
        assert response.json() == missing.json()

    assert Issuer.objects.values().get(pk=other_issuer.pk) == before


@pytest.mark.parametrize("who", [None, "stranger", "owner", "editor", "awarder", "viewer"])
def test_session_roles(staff, issuer, who):  # noqa: F811
    client = session(staff, who)

    read = client.get(URL)
    write = patch(client, URL, {"description": f"by {who}"})

    expected_read = {None: 401, "stranger": 404}.get(who, 200)
    expected_write = {None: 401, "stranger": 404, "owner": 200}.get(who, 403)
    assert (read.status_code, write.status_code) == (expected_read, expected_write)
    issuer.refresh_from_db()
    assert issuer.description == ("by owner" if who == "owner" else "")
