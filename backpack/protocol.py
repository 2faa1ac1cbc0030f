"""The platform as a client of another Open Badges 3.0 host (1EdTech OB 3.0, "Open Badges API" and "Open Badges API
Security"): service discovery, dynamic client registration (RFC 7591), the authorization request and the token
request of the authorization code grant with PKCE (RFC 6749, RFC 7636), and upsertCredential.

No database here: backpack.services keeps what must be kept. Every request goes through the platform's one hardened
client (verification.http). The host's address and every URL its service description names are chosen by whoever
runs that host, so each URL is checked before it is used (https, or http under DEBUG; no credentials in it; a host
whose addresses are all public) and each connection is checked again when it opens.

Sentences in the errors here are technical and in English, like the verifier's check messages (D51): the learner's
page puts a translated sentence in front of them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit, urlunsplit

from verification.errors import FetchError
from verification.http import HardenedClient, PostedResponse, parse_json_body

UPSERT_SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
API_PATH = "/ims/ob/v3p0"
DISCOVERY_PATH = f"{API_PATH}/discovery"
JSON_ACCEPT = "application/json"
MAX_REASON_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class AddressUnusable(Exception):
    """What the learner typed is not a host address we may ask (malformed, not https, not a public address)."""


class HostUnusable(Exception):
    """The host answered, or failed to answer, in a way that stops the send before the learner leaves."""


class TokenRefused(Exception):
    """The token endpoint gave no access token. `error` is the OAuth error code (RFC 6749 §5.2) when it sent one."""

    def __init__(self, message: str, *, error: str = "") -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class HostEndpoints:
    """What the service description names, each URL checked."""

    discovery_url: str
    host: str  # host[:port] of the discovery URL: how the learner names the host
    registration_url: str
    authorization_url: str
    token_url: str
    credentials_url: str


@dataclass(frozen=True)
class ClientCredentials:
    """What a registration answered: the client secret in clear only here (backpack.services encrypts it)."""

    client_id: str
    client_secret: str  # "" when the host issued none
    secret_expires_at: int  # seconds since the epoch; 0: never
    auth_method: str  # the token_endpoint_auth_method the host registered


@dataclass(frozen=True)
class UpsertAnswer:
    status: int
    reason: str  # the host's own words when it refused (imsx_description, or the start of its answer)

    @property
    def created(self) -> bool:
        return self.status == 201

    @property
    def accepted(self) -> bool:
        return self.status in (200, 201)


# --- discovery ------------------------------------------------------------------------------------------------


def discovery_url_for(address: str, *, client: HardenedClient) -> str:
    """The service description's URL for what a learner typed: `badges.example.org`, a base URL with a path (a
    tenant), `…/ims/ob/v3p0` or the discovery URL itself; https is assumed when no scheme is given. The host must
    be public (checked before any request)."""
    text = address.strip()
    if not text:
        raise AddressUnusable("No address was given.")
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise AddressUnusable(f"{address!r} is not an address: {exc}.") from exc
    if parts.query or parts.fragment:
        raise AddressUnusable("Give the host's address only, without ? or # parts.")
    path = parts.path.rstrip("/")
    if not path.endswith(DISCOVERY_PATH):
        path = (path.removesuffix(API_PATH)) + DISCOVERY_PATH
    url = urlunsplit((parts.scheme.lower(), parts.netloc, path, "", ""))
    try:
        return client.check_public_url(url)
    except FetchError as exc:
        raise AddressUnusable(exc.message) from exc


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _endpoint(document_url: str, value: object, what: str, *, client: HardenedClient) -> str:
    """An endpoint URL named by the description, resolved against the description's own URL (a relative one is
    tolerated), then checked as any URL we will use."""
    text = _text(value)
    if not text:
        raise HostUnusable(f"The service description names no {what}.")
    try:
        return client.check_public_url(urljoin(document_url, text))
    except FetchError as exc:
        raise HostUnusable(f"Its {what} cannot be used: {exc.message}") from exc


def discover(address: str, *, client: HardenedClient) -> HostEndpoints:
    """GET the host's service description (getServiceDescription) and read its OAuth2ACG security scheme: the
    registration URL (`x-imssf-registrationUrl`), the authorization and token URLs, and the scopes, which must
    offer credential.upsert. The credentials endpoint is `/credentials` under the description's first server, or
    beside the discovery endpoint when it names none."""
    discovery_url = discovery_url_for(address, client=client)
    host = urlsplit(discovery_url).netloc
    try:
        document = parse_json_body(client.get(discovery_url, accept=JSON_ACCEPT))
    except FetchError as exc:
        raise HostUnusable(exc.message) from exc
    if not isinstance(document, dict):
        raise HostUnusable("Its service description is not a JSON object.")
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    scheme = schemes.get("OAuth2ACG") if isinstance(schemes, dict) else None
    if not isinstance(scheme, dict) or scheme.get("type") != "oauth2":
        raise HostUnusable(
            "Its service description has no OAuth2ACG security scheme (OAuth 2.0 authorization code grant)."
        )
    flows = scheme.get("flows")
    flow = flows.get("authorizationCode") if isinstance(flows, dict) else None
    if not isinstance(flow, dict):
        raise HostUnusable("Its OAuth2ACG security scheme has no authorizationCode flow.")
    scopes = flow.get("scopes")
    if not isinstance(scopes, dict) or UPSERT_SCOPE not in scopes:
        raise HostUnusable(f"It does not offer the scope {UPSERT_SCOPE}: it takes no credentials from elsewhere.")

    servers = document.get("servers")
    server = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
    base = _text(server.get("url")) if isinstance(server, dict) else ""
    base_url = urljoin(discovery_url, base) if base else discovery_url.removesuffix("/discovery")
    return HostEndpoints(
        discovery_url=discovery_url,
        host=host,
        registration_url=_endpoint(
            discovery_url, scheme.get("x-imssf-registrationUrl"), "registration URL", client=client
        ),
        authorization_url=_endpoint(discovery_url, flow.get("authorizationUrl"), "authorization URL", client=client),
        token_url=_endpoint(discovery_url, flow.get("tokenUrl"), "token URL", client=client),
        credentials_url=_endpoint(
            discovery_url, base_url.rstrip("/") + "/credentials", "credentials URL", client=client
        ),
    )


# --- registration ---------------------------------------------------------------------------------------------


def _json_answer(answer: PostedResponse) -> Any:
    if answer.truncated:
        return None
    try:
        return json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def host_words(answer: PostedResponse) -> str:
    """What the host said in a refusal, for the learner: an OAuth or RFC 7591 error with its description, an
    Imsx_StatusInfo's description, else the start of its answer as text; control characters removed."""
    document = _json_answer(answer)
    said = ""
    if isinstance(document, dict):
        if isinstance(document.get("imsx_description"), str):
            said = document["imsx_description"]
        elif isinstance(document.get("error"), str):
            description = document.get("error_description")
            said = document["error"] + (f": {description}" if isinstance(description, str) and description else "")
    if not said:
        said = answer.body[: MAX_REASON_CHARS * 4].decode("utf-8", errors="replace")  # up to 4 bytes a character
    said = _CONTROL.sub("", said).strip()
    if len(said) > MAX_REASON_CHARS:
        said = said[: MAX_REASON_CHARS - 1] + "…"
    return said or f"HTTP {answer.status} without an explanation"


def register(registration_url: str, metadata: dict[str, Any], *, client: HardenedClient) -> ClientCredentials:
    """POST the client metadata to the registration URL (RFC 7591 §3.1) and read the client's credentials from the
    201 answer (§3.2.1); an error answer (§3.2.2) is a HostUnusable with the host's words."""
    try:
        answer = client.post(
            registration_url,
            body=json.dumps(metadata).encode("utf-8"),
            headers={"Accept": JSON_ACCEPT},
            content_type="application/json",
        )
    except FetchError as exc:
        raise HostUnusable(exc.message) from exc
    if answer.status not in (200, 201):
        raise HostUnusable(f"Registration refused (HTTP {answer.status}): {host_words(answer)}")
    document = _json_answer(answer)
    if not isinstance(document, dict) or not _text(document.get("client_id")):
        raise HostUnusable("Its registration answer has no client_id.")
    secret = document.get("client_secret")
    expires = document.get("client_secret_expires_at", 0)
    method = _text(document.get("token_endpoint_auth_method")) or ("client_secret_basic" if secret else "none")
    if method not in ("client_secret_basic", "client_secret_post", "none"):
        raise HostUnusable(f"It registered the token endpoint authentication {method!r}, which this platform lacks.")
    return ClientCredentials(
        client_id=_text(document.get("client_id"))[:500],
        client_secret=secret if isinstance(secret, str) else "",
        secret_expires_at=expires if isinstance(expires, int) and not isinstance(expires, bool) else 0,
        auth_method=method,
    )


# --- authorization with PKCE ----------------------------------------------------------------------------------


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for S256 (RFC 7636 §4.1, §4.2): 43 characters of 32 random bytes, and the
    base64url SHA-256 of them."""
    verifier = secrets.token_urlsafe(32)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorization_request_url(
    authorization_url: str, *, client_id: str, redirect_uri: str, state: str, code_challenge: str
) -> str:
    """Where the learner's browser goes: the authorization URL with the request in its query (RFC 6749 §4.1.1,
    RFC 7636 §4.3), keeping a query the URL already has."""
    parts = urlsplit(authorization_url)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": UPSERT_SCOPE,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{parts.query}&{query}" if parts.query else query, ""))


def exchange_code(
    token_url: str,
    *,
    credentials: ClientCredentials,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    client: HardenedClient,
) -> str:
    """The access token for an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5), the client authenticated as it
    registered (HTTP Basic by default, as OB 3.0 asks). Raises TokenRefused."""
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "scope": UPSERT_SCOPE,
        "code_verifier": code_verifier,
    }
    headers = {"Accept": JSON_ACCEPT}
    if credentials.auth_method == "client_secret_basic":
        # RFC 6749 §2.3.1: each part form-encoded before the two are joined and base64-encoded.
        pair = f"{quote(credentials.client_id, safe='')}:{quote(credentials.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    else:
        fields["client_id"] = credentials.client_id
        if credentials.auth_method == "client_secret_post":
            fields["client_secret"] = credentials.client_secret
    try:
        answer = client.post(
            token_url,
            body=urlencode(fields).encode("ascii"),
            headers=headers,
            content_type="application/x-www-form-urlencoded",
        )
    except FetchError as exc:
        raise TokenRefused(exc.message) from exc
    document = _json_answer(answer)
    if answer.status != 200:
        error = document.get("error") if isinstance(document, dict) else None
        raise TokenRefused(
            f"The token request was refused (HTTP {answer.status}): {host_words(answer)}",
            error=error[:100] if isinstance(error, str) else "",
        )
    token = document.get("access_token") if isinstance(document, dict) else None
    token_type = document.get("token_type") if isinstance(document, dict) else None
    if not isinstance(token, str) or not token or not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise TokenRefused("The token answer has no bearer access token.")
    granted = document.get("scope") if isinstance(document, dict) else None
    if isinstance(granted, str) and UPSERT_SCOPE not in granted.split():
        raise TokenRefused(f"The access token was granted without the scope {UPSERT_SCOPE}.")
    return token


# --- upsertCredential -----------------------------------------------------------------------------------------


def upsert_credential(
    credentials_url: str, *, access_token: str, body: str, media_type: str, client: HardenedClient
) -> UpsertAnswer:
    """POST the credential (upsertCredential): 201 stored, 200 replaced, anything else refused with the host's
    words. A host that cannot be reached raises FetchError."""
    answer = client.post(
        credentials_url,
        body=body.encode("utf-8"),
        headers={"Authorization": f"Bearer {access_token}", "Accept": f"{media_type}, application/json;q=0.5"},
        content_type=media_type,
    )
    if answer.status in (200, 201):
        return UpsertAnswer(status=answer.status, reason="")
    return UpsertAnswer(status=answer.status, reason=host_words(answer))
