"""The client side of the OB 3.0 API, read from the spec's text: where the service description is, what in it is
used and checked, and how the requests are formed. The network is replaced by a served document only where a test
needs a "public" host that would otherwise have to be on the internet; every URL check is the real one."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from backpack import protocol
from verification.http import FetchedDocument, HardenedClient, PostedResponse

UPSERT = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
PUBLIC = "https://93.184.216.34"  # a public address, so no name has to be resolved


class ServedDescription(HardenedClient):
    """The hardened client with its GET answered by a given document, as a public host would serve it."""

    def __init__(self, document: object) -> None:
        super().__init__()
        self.document = document
        self.asked: list[str] = []

    def get(self, url: str, *, accept: str, redirects: int = 0) -> FetchedDocument:
        self.asked.append(self.check_url(url))
        body = json.dumps(self.document).encode()
        return FetchedDocument(url=url, status=200, content_type="application/json", body=body)


def description(**flow_overrides):
    flow = {"authorizationUrl": f"{PUBLIC}/authorize", "tokenUrl": f"{PUBLIC}/token", "scopes": {UPSERT: "…"}}
    flow.update(flow_overrides)
    return {
        "info": {"title": "Example Host"},
        "servers": [{"url": f"{PUBLIC}/ims/ob/v3p0"}],
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "x-imssf-name": "Example Provider",
                    "x-imssf-registrationUrl": f"{PUBLIC}/registration",
                    "flows": {"authorizationCode": flow},
                }
            }
        },
    }


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("badges.example.org", "https://badges.example.org/ims/ob/v3p0/discovery"),
        ("  https://badges.example.org/  ", "https://badges.example.org/ims/ob/v3p0/discovery"),
        ("https://example.org/tenant", "https://example.org/tenant/ims/ob/v3p0/discovery"),
        ("https://example.org/tenant/ims/ob/v3p0/", "https://example.org/tenant/ims/ob/v3p0/discovery"),
        ("https://example.org/ims/ob/v3p0/discovery", "https://example.org/ims/ob/v3p0/discovery"),
        ("HTTPS://Example.org:8443", "https://Example.org:8443/ims/ob/v3p0/discovery"),
    ],
)
def test_the_description_is_asked_for_under_the_address_given(address, expected):
    # Private addresses allowed here only so that no name is resolved; the URL rules stay.
    assert protocol.discovery_url_for(address, client=HardenedClient(allow_private=True)) == expected


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "No address was given."),
        ("https://example.org/?tenant=1", "without ? or # parts"),
        ("http://example.org", "Only https URLs"),
        ("https://user:pw@example.org", "user credentials"),
        ("https://192.168.0.10", "not a public internet address"),
    ],
)
def test_an_address_that_cannot_be_asked_is_refused(address, reason):
    with pytest.raises(protocol.AddressUnusable) as refused:
        protocol.discovery_url_for(address, client=HardenedClient())
    assert reason in str(refused.value)


def test_the_endpoints_are_read_from_the_oauth2acg_scheme():
    client = ServedDescription(description())

    found = protocol.discover(PUBLIC, client=client)

    assert client.asked == [f"{PUBLIC}/ims/ob/v3p0/discovery"]
    assert found == protocol.HostEndpoints(
        discovery_url=f"{PUBLIC}/ims/ob/v3p0/discovery",
        host="93.184.216.34",
        registration_url=f"{PUBLIC}/registration",
        authorization_url=f"{PUBLIC}/authorize",
        token_url=f"{PUBLIC}/token",
        credentials_url=f"{PUBLIC}/ims/ob/v3p0/credentials",
    )


def test_relative_endpoints_are_resolved_against_the_description():
    document = description(authorizationUrl="authorize", tokenUrl="/oauth/token")
    document["components"]["securitySchemes"]["OAuth2ACG"]["x-imssf-registrationUrl"] = "register"
    del document["servers"]

    found = protocol.discover(f"{PUBLIC}/tenant", client=ServedDescription(document))

    assert (found.registration_url, found.authorization_url, found.token_url, found.credentials_url) == (
        f"{PUBLIC}/tenant/ims/ob/v3p0/register",
        f"{PUBLIC}/tenant/ims/ob/v3p0/authorize",
        f"{PUBLIC}/oauth/token",
        f"{PUBLIC}/tenant/ims/ob/v3p0/credentials",
    )


@pytest.mark.parametrize(
    ("flow", "what"),
    [
        ({"tokenUrl": "https://127.0.0.1/token"}, "token URL"),
        ({"tokenUrl": "https://10.0.0.8:8443/token"}, "token URL"),
        ({"authorizationUrl": "https://[::1]/authorize"}, "authorization URL"),
        ({"authorizationUrl": "https://169.254.169.254/authorize"}, "authorization URL"),
    ],
)
def test_an_endpoint_on_a_private_address_is_refused_before_anyone_uses_it(flow, what):
    with pytest.raises(protocol.HostUnusable) as refused:
        protocol.discover(PUBLIC, client=ServedDescription(description(**flow)))
    assert f"Its {what} cannot be used" in str(refused.value)
    assert "not a public internet address" in str(refused.value)


def test_a_server_base_on_a_private_address_is_refused():
    document = description()
    document["servers"] = [{"url": "https://10.1.1.1/ims/ob/v3p0"}]
    with pytest.raises(protocol.HostUnusable) as refused:
        protocol.discover(PUBLIC, client=ServedDescription(document))
    assert "Its credentials URL cannot be used" in str(refused.value)


def test_an_endpoint_over_plain_http_is_refused():
    with pytest.raises(protocol.HostUnusable) as refused:
        protocol.discover(PUBLIC, client=ServedDescription(description(tokenUrl="http://93.184.216.34/token")))
    assert "Only https URLs" in str(refused.value)


def test_the_authorization_request_carries_pkce_and_keeps_the_urls_own_query():
    verifier, challenge = protocol.pkce_pair()

    url = protocol.authorization_request_url(
        "https://host.example/authorize?tenant=7",
        client_id="c 1",
        redirect_uri="https://badges.example.test/me/backpack/callback/",
        state="s-1",
        code_challenge=challenge,
    )

    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("host.example", "/authorize")
    assert {key: values for key, values in parse_qs(parts.query).items()} == {
        "tenant": ["7"],
        "response_type": ["code"],
        "client_id": ["c 1"],
        "redirect_uri": ["https://badges.example.test/me/backpack/callback/"],
        "scope": [UPSERT],
        "state": ["s-1"],
        "code_challenge": [challenge],
        "code_challenge_method": ["S256"],
    }
    assert len(verifier) == 43 and len(challenge) == 43 and verifier != challenge


def _answer(status, body, content_type="application/json"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return PostedResponse(url="https://h/x", status=status, content_type=content_type, body=raw, truncated=False)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (_answer(400, {"imsx_codeMajor": "failure", "imsx_description": "Not verified."}), "Not verified."),
        (_answer(400, {"error": "invalid_grant", "error_description": "Code expired"}), "invalid_grant: Code expired"),
        (_answer(400, {"error": "invalid_client"}), "invalid_client"),
        (_answer(500, b"Internal \x07Error\n", "text/plain"), "Internal Error"),
        (_answer(502, b""), "HTTP 502 without an explanation"),
        (_answer(400, b"x" * 5000, "text/plain"), "x" * 999 + "…"),
    ],
)
def test_the_hosts_words_are_kept_short_and_plain(answer, words):
    assert protocol.host_words(answer) == words
