"""Discovery (getServiceDescription) and the Imsx_StatusInfo shape of errors anywhere under the base path."""

from __future__ import annotations

from tests.ob_api.conftest import API

SCOPES = {
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly",
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert",
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly",
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update",
}


def test_discovery_is_the_profiled_openapi_document(client, db):
    response = client.get(f"{API}/discovery")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=3600"
    sdd = response.json()
    assert sdd["openapi"].startswith("3.0")
    assert sdd["info"]["title"]
    assert sdd["info"]["termsOfService"].startswith("https://")
    assert sdd["info"]["x-imssf-privacyPolicyUrl"].startswith("https://")
    assert sdd["servers"] == [{"url": "https://badges.example.test/ims/ob/v3p0", "description": "This platform."}]
    scheme = sdd["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert set(scheme["flows"]["authorizationCode"]["scopes"]) == SCOPES
    operations = {op["operationId"] for path in sdd["paths"].values() for op in path.values()}
    assert operations == {"getCredentials", "upsertCredential", "getProfile", "putProfile", "getServiceDescription"}


def test_discovery_revalidates_with_etag(client, db):
    first = client.get(f"{API}/discovery")
    again = client.get(f"{API}/discovery", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def imsx(response, status, code_minor):
    assert response.status_code == status
    body = response.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    assert body["imsx_description"]
    field = body["imsx_codeMinor"]["imsx_codeMinorField"]
    assert field == [{"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code_minor}]


def test_unknown_path_is_imsx_404(client, db):
    imsx(client.get(f"{API}/credentials/123"), 404, "not_found")
    imsx(client.get(f"{API}/nothing"), 404, "not_found")


def test_method_not_allowed_is_imsx_405(client, db):
    response = client.delete(f"{API}/credentials")
    imsx(response, 405, "not_allowed")
    assert response["Allow"] == "GET, POST"
    imsx(client.post(f"{API}/discovery"), 405, "not_allowed")
    imsx(client.patch(f"{API}/profile"), 405, "not_allowed")


def test_unexpected_error_is_imsx_500_without_a_trace(wallet, monkeypatch):
    from ob_api import selectors

    tokens = wallet.tokens()

    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "learner_credentials_page", boom)
    response = wallet.browser.get(f"{API}/credentials", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    imsx(response, 500, "internal_server_error")
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
