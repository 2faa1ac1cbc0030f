"""What binds a signing key to a credential's issuer: the rule that makes a valid signature mean "the issuer
signed this" (docs/verification.md, "Trust model"; docs/decisions.md D26).

A key counts for an issuer only when
- the issuer is a did:key or did:jwk and the key is the one the identifier is made of;
- the issuer is a did:web (or another resolvable DID) and its own DID document lists the key under
  `assertionMethod` (the resolver refuses a document that vouches for someone else's key);
- the issuer is an https URL and either the key's controller document is the issuer's own (its id is the issuer
  URL and it lists the key), or the issuer profile published at that URL lists the key or links the DID that
  controls it.
Nothing else binds: not a key spelled in a URL fragment, not a key carried inside a VC-JWT header, not a
matching name. When the document that would bind the key cannot be obtained, the answer is indeterminate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from verification.errors import Indeterminate, VerificationError
from verification.keys import VerificationMethod
from verification.report import FAILED, INDETERMINATE, PASSED

SELF_CERTIFYING = ("did:key", "did:jwk")
# Profile properties that may name the issuer's keys or the DIDs that control them.
KEY_LISTS = ("verificationMethod", "assertionMethod")
DID_LINKS = ("alsoKnownAs", "sameAs")


@runtime_checkable
class IssuerProfiles(Protocol):
    """Fetches the issuer profile published at an https issuer id (KeyUnavailable when it cannot)."""

    def issuer_profile(self, url: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Binding:
    status: str  # passed | failed | indeterminate
    code: str
    message: str

    @property
    def bound(self) -> bool:
        return self.status == PASSED


def is_https_issuer(issuer: str) -> bool:
    return issuer.startswith(("https://", "http://"))


def bind(method: VerificationMethod, issuer: str | None, profiles: IssuerProfiles | None) -> Binding:
    """Whether `method` (a verified signature's key) may speak for `issuer`."""
    if issuer is None:
        return Binding(FAILED, "no_issuer", "The credential names no issuer id to attribute the key to.")
    if "assertionMethod" not in method.relationships:
        return Binding(
            FAILED,
            "not_assertion_method",
            f"The key {method.id} is not listed under assertionMethod, so it may not be used to issue credentials.",
        )
    if method.controller == issuer:
        return _own_key(method, issuer)
    if method.provenance == "embedded-jwk":
        return Binding(
            FAILED,
            "key_not_bound",
            "The signing key is carried in the token itself ('jwk' header) and nothing binds it to the issuer "
            f"{issuer}: anyone can sign a token that way. Only a did:key or did:jwk issuer made of exactly that key "
            "may use an embedded key.",
        )
    if is_https_issuer(issuer):
        return _through_profile(method, issuer, profiles)
    if not issuer.startswith("did:"):
        return Binding(
            FAILED,
            "issuer_unbound",
            f"The issuer id {issuer} is neither a DID nor a URL, so no key can ever be confirmed as the issuer's: "
            "who issued the credential cannot be verified.",
        )
    return Binding(
        FAILED,
        "controller_mismatch",
        f"The key {method.id} is controlled by {method.controller}, not by the issuer {issuer}.",
    )


def _own_key(method: VerificationMethod, issuer: str) -> Binding:
    if method.provenance in SELF_CERTIFYING:
        kind = method.provenance
        return Binding(PASSED, "key_bound", f"The issuer {issuer} is a {kind}: the identifier is the key.")
    if method.provenance == "embedded-jwk":
        return Binding(
            PASSED, "key_bound", f"The key in the token's header is the key the issuer identifier {issuer} is made of."
        )
    if method.provenance == "document":
        return Binding(PASSED, "key_bound", f"The signing key {method.id} is listed by the issuer {issuer}.")
    return Binding(
        FAILED, "key_not_bound", f"The key {method.id} was not obtained from a document of the issuer {issuer}."
    )


def _through_profile(method: VerificationMethod, issuer: str, profiles: IssuerProfiles | None) -> Binding:
    if method.provenance not in ("document", *SELF_CERTIFYING):
        return Binding(FAILED, "key_not_bound", f"The key {method.id} is not published by its controller.")
    if profiles is None:
        return Binding(
            INDETERMINATE,
            "key_unavailable",
            f"The key {method.id} is controlled by {method.controller}; whether the issuer {issuer} uses it could "
            "not be checked, because issuer profiles are not fetched here.",
        )
    try:
        profile = profiles.issuer_profile(issuer)
    except Indeterminate as exc:
        return Binding(
            INDETERMINATE,
            exc.code,
            f"Whether the key {method.id} belongs to the issuer could not be checked: {exc.message}",
        )
    except VerificationError as exc:
        return Binding(FAILED, "key_not_bound", f"The key {method.id} is not bound to the issuer: {exc.message}")
    how = profile_links(profile, method)
    if how is None:
        return Binding(
            FAILED,
            "key_not_bound",
            f"The issuer's profile at {issuer} neither lists the key {method.id} nor links {method.controller}, "
            "which controls it: nothing shows the issuer uses that key.",
        )
    return Binding(PASSED, "key_bound", f"The issuer's profile at {issuer} {how}.")


def _ids(value: object) -> Iterator[str]:
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            yield item["id"]


def profile_links(profile: dict[str, Any], method: VerificationMethod) -> str | None:
    """How the profile vouches for the key (a phrase), or None when it does not.

    A listed key id (under verificationMethod or assertionMethod) or a linked DID (alsoKnownAs, sameAs, or an
    `otherIdentifier` of type did) counts; the DID itself already lists the key, which the resolver checked.
    """
    for name in KEY_LISTS:
        if method.id in _ids(profile.get(name)):
            return f"lists the signing key {method.id} under {name}"
    controller = method.controller
    if not controller.startswith("did:"):
        return None
    for name in DID_LINKS:
        if controller in _ids(profile.get(name)):
            return f"links {controller} ({name}), whose key signed the credential"
    others = profile.get("otherIdentifier")
    for item in others if isinstance(others, list) else [others]:
        if isinstance(item, dict) and item.get("identifier") == controller:
            return f"links {controller} (otherIdentifier), whose key signed the credential"
    return None
