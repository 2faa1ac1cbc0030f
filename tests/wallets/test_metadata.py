"""What a wallet discovers (OpenID4VCI 1.0 §12.2, §12.3; RFC 8414): the Credential Issuer Metadata and the
authorization server metadata of the token endpoint, beside — and apart from — the OB 3.0 API's OAuth server."""

from __future__ import annotations

import pytest

from tests.wallets.conftest import JWT, LDP, ORIGIN

pytestmark = pytest.mark.django_db

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]


def test_the_credential_issuer_metadata(client):
    response = client.get("/.well-known/openid-credential-issuer")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=3600"
    metadata = response.json()
    assert metadata["credential_issuer"] == ORIGIN
    assert metadata["credential_endpoint"] == f"{ORIGIN}/oid4vci/credential"
    assert metadata["nonce_endpoint"] == f"{ORIGIN}/oid4vci/nonce"
    assert "authorization_servers" not in metadata  # the Credential Issuer is its own authorization server
    assert [entry["locale"] for entry in metadata["display"]] == ["en", "de"]
    assert metadata["display"][0]["logo"]["uri"].startswith(f"{ORIGIN}/static/")

    configurations = metadata["credential_configurations_supported"]
    assert set(configurations) == {LDP, JWT}
    ldp, jwt = configurations[LDP], configurations[JWT]
    assert ldp["format"] == "ldp_vc"
    assert ldp["credential_definition"] == {
        "@context": CONTEXT,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
    }
    assert ldp["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert jwt["format"] == "jwt_vc_json"
    assert jwt["credential_definition"] == {"type": ["VerifiableCredential", "OpenBadgeCredential"]}
    for configuration in (ldp, jwt):
        assert configuration["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk", "jwk"]
        assert configuration["proof_types_supported"] == {
            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
        }
        display = configuration["credential_metadata"]["display"]
        assert [(entry["locale"], entry["name"]) for entry in display] == [("en", "Open Badge"), ("de", "Open Badge")]
        claims = {tuple(claim["path"]): claim["display"] for claim in configuration["credential_metadata"]["claims"]}
        assert claims[("credentialSubject", "achievement", "name")] == [
            {"name": "Achievement", "locale": "en"},
            {"name": "Leistung", "locale": "de"},
        ]


def test_the_metadata_answers_a_matching_etag_with_304(client):
    etag = client.get("/.well-known/openid-credential-issuer")["ETag"]
    assert client.get("/.well-known/openid-credential-issuer", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_authorization_server_metadata(client):
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    assert response.json() == {
        "issuer": ORIGIN,
        "token_endpoint": f"{ORIGIN}/oid4vci/token",
        "grant_types_supported": ["urn:ietf:params:oauth:grant-type:pre-authorized_code"],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def test_it_does_not_describe_the_ob_api_oauth_server(client, settings):
    """The OB 3.0 API's authorization server has an issuer of its own (RFC 9207 `iss`), found through the OB
    discovery document: the root metadata neither names its endpoints nor claims its grants."""
    assert settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"] == f"{ORIGIN}/ims/ob/v3p0"
    described = client.get("/.well-known/oauth-authorization-server").json()
    assert described["issuer"] != settings.OAUTH2_PROVIDER["OIDC_ISS_ENDPOINT"]
    assert "/ims/" not in str(described)
    assert "authorization_code" not in described["grant_types_supported"]
    flows = client.get("/ims/ob/v3p0/discovery").json()["components"]["securitySchemes"]["OAuth2ACG"]["flows"]
    assert flows["authorizationCode"]["tokenUrl"] == f"{ORIGIN}/ims/ob/v3p0/token"


@pytest.mark.parametrize("path", ["/.well-known/openid-credential-issuer", "/.well-known/oauth-authorization-server"])
def test_the_metadata_is_read_only(client, path):
    assert client.post(path).status_code == 405
