"""What a wallet learns before it asks for anything: the Credential Issuer Metadata (OpenID4VCI 1.0 §12.2) and the
authorization server metadata of the token endpoint (RFC 8414, with OpenID4VCI 1.0 §12.3).

The platform is one Credential Issuer, identified by SITE_URL, for every issuer it hosts: a wallet meets the
platform here and each issuer in the credentials themselves (their `issuer`, a did:web of ours). The Credential
Issuer is its own authorization server (no `authorization_servers`), and that server knows one grant only, the
pre-authorized code. The OB 3.0 API's OAuth server (ob_api, django-oauth-toolkit) is a different one: its issuer is
SITE_URL/ims/ob/v3p0 (RFC 9207 `iss`) and clients find it through the OB 3.0 discovery document, never here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, override

from badges.documents import CREDENTIAL_CONTEXT
from wallets.models import Format

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
# The key proof: OpenID4VCI 1.0 §F.1, signed with one of these (asymmetric only, never `none` or an HMAC).
PROOF_TYPE = "jwt"
PROOF_ALGORITHMS = ("EdDSA", "ES256")
BINDING_METHODS = ["did:key", "did:jwk", "jwk"]
# The key of each configuration in credential_configurations_supported, and the format it issues.
CONFIGURATIONS: dict[str, Format] = {
    "OpenBadgeCredential_ldp_vc": Format.LDP_VC,
    "OpenBadgeCredential_jwt_vc_json": Format.JWT_VC_JSON,
}
# What signs each format: eddsa-rdfc-2022 Data Integrity proofs; a VC-JWT with whichever key the issuer has (D8).
SIGNING_ALGORITHMS = {
    Format.LDP_VC: ["eddsa-rdfc-2022"],
    Format.JWT_VC_JSON: ["EdDSA", "ES256", "RS256"],
}


def credential_issuer() -> str:
    """The Credential Issuer Identifier: the site's origin, as every URL of the platform is made from it."""
    return settings.SITE_URL


def _url(name: str) -> str:
    return f"{settings.SITE_URL}{reverse(name)}"


def _per_language(make: Callable[[], dict[str, Any]]) -> list[dict[str, Any]]:
    """One display object per language of the site (OpenID4VCI allows one per locale), made in that language."""
    shown = []
    for code, _ in settings.LANGUAGES:
        with override(code):
            shown.append({**make(), "locale": code})
    return shown


def _issuer_display() -> dict[str, Any]:
    return {
        "name": gettext("Open Badges"),
        "logo": {"uri": f"{settings.SITE_URL}{static('icons/icon-192.png')}", "alt_text": gettext("Open Badges")},
    }


def _credential_display() -> dict[str, Any]:
    return {
        "name": gettext("Open Badge"),
        "description": gettext("An Open Badges 3.0 credential, signed by the issuer that awarded it."),
        "background_color": "#0b57d0",
        "text_color": "#ffffff",
    }


# The parts of the credential a wallet is told how to name (claims description, OpenID4VCI 1.0 §B.2).
CLAIMS = [
    (["credentialSubject", "achievement", "name"], gettext_lazy("Achievement")),
    (["credentialSubject", "achievement", "description"], gettext_lazy("Description")),
    (["issuer", "name"], gettext_lazy("Issuer")),
    (["validFrom"], gettext_lazy("Awarded")),
    (["validUntil"], gettext_lazy("Valid until")),
]


def _named(label: Promise) -> dict[str, Any]:
    return {"name": str(label)}  # in the language active when it is called (_per_language's)


def _claims() -> list[dict[str, Any]]:
    return [{"path": path, "display": _per_language(partial(_named, label))} for path, label in CLAIMS]


def configuration(fmt: Format) -> dict[str, Any]:
    """One entry of credential_configurations_supported (OpenID4VCI 1.0 §12.2.4, with the profiles of §A.1)."""
    definition: dict[str, Any] = {"type": list(CREDENTIAL_TYPE)}
    if fmt == Format.LDP_VC:
        # §A.1.2: a Data Integrity credential names its contexts; jwt_vc_json is not read as JSON-LD (§A.1.1).
        definition = {"@context": list(CREDENTIAL_CONTEXT), **definition}
    return {
        "format": fmt.value,
        "credential_definition": definition,
        "credential_signing_alg_values_supported": SIGNING_ALGORITHMS[fmt],
        "cryptographic_binding_methods_supported": list(BINDING_METHODS),
        "proof_types_supported": {PROOF_TYPE: {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}},
        "credential_metadata": {"display": _per_language(_credential_display), "claims": _claims()},
    }


def issuer_metadata() -> dict[str, Any]:
    """The Credential Issuer Metadata at /.well-known/openid-credential-issuer."""
    return {
        "credential_issuer": credential_issuer(),
        "credential_endpoint": _url("wallets:credential"),
        "nonce_endpoint": _url("wallets:nonce"),
        "display": _per_language(_issuer_display),
        "credential_configurations_supported": {key: configuration(fmt) for key, fmt in CONFIGURATIONS.items()},
    }


def authorization_server_metadata() -> dict[str, Any]:
    """RFC 8414 metadata of the authorization server the Credential Issuer is, at
    /.well-known/oauth-authorization-server. It supports the pre-authorized code grant only, so it has no
    authorization endpoint and omits `response_types_supported` (OpenID4VCI 1.0 §12.2.4 allows it); anonymous
    token requests are accepted (§12.3): a wallet is not a registered client."""
    return {
        "issuer": credential_issuer(),
        "token_endpoint": _url("wallets:token"),
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }
