"""Refusals in the words of the protocols: OAuth 2.0 (RFC 6749 §5.2), bearer tokens (RFC 6750 §3) and the
Credential Endpoint's own codes (OpenID4VCI 1.0 §8.3.1.2)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def ascii_description(text: str) -> str:
    """A message fit for `error_description`: printable ASCII without double quotes or backslashes (RFC 6749 §5.2,
    OpenID4VCI 1.0 §8.3.1.2); a double quote becomes a single one, anything else outside the set is dropped."""
    kept = (("'" if char == '"' else char) for char in text if " " <= char <= "~" and char != "\\")
    return "".join(kept).strip()


class ProtocolError(Exception):
    """A refusal answered as JSON `{"error", "error_description"}` with `status`. `bearer`: a 401 of the credential
    endpoint, which also says `WWW-Authenticate: Bearer` (RFC 6750 §3); `retry_after`: seconds, for a 429."""

    def __init__(
        self, error: str, description: str, status: int = 400, *, bearer: bool = False, retry_after: int = 0
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = ascii_description(description)
        self.status = status
        self.bearer = bearer
        self.retry_after = retry_after

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class NotYourAward(PermissionDenied):
    """The award was made to someone else: no offer and no wallet page for it, whoever asks (403)."""
