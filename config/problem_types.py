"""The error types of our APIs' problem+json bodies (RFC 9457): each `type` is `<SITE_URL>/errors/<slug>`, and this
is what that page says. Every slug the APIs send is listed here (tests/test_problem_types.py checks it).

The texts are English here, as the APIs' `title` says them; they are only marked (gettext_noop) so that the HTML
pages at /errors/ can show them in the reader's language (config.views.problem_type). An API client always gets the
English title: its `type` and `title` are stable identifiers."""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

# slug -> (title, what it means and what to do)
PROBLEM_TYPES: dict[str, tuple[str, str]] = {
    "invalid-request": (
        _("The request is invalid"),
        _(
            "A field or parameter is missing or has the wrong form. `errors` names each field with what was expected; correct them and send the request again."
        ),
    ),
    "malformed-request": (
        _("The request body cannot be parsed"),
        _(
            "The body is not valid JSON (or not the declared content type). Send well-formed JSON with `Content-Type: application/json`."
        ),
    ),
    "invalid-input": (
        _("The input is not a usable credential"),
        _(
            "The verifier could not find a credential in what was sent: not JSON, not a compact JWS, or a baked image without a credential. Nothing was verified."
        ),
    ),
    "invalid-file": (
        _("The file cannot be used"),
        _(
            "The uploaded file as a whole cannot be read as awards: empty, only a header, binary, wrong columns, too many rows. Nothing was stored; `detail` says what to change."
        ),
    ),
    "not-authenticated": (
        _("Authentication required"),
        _("Send `Authorization: Bearer obp_…` with an API token of the issuer (docs/api.md), or sign in."),
    ),
    "invalid-token": (
        _("Invalid credentials"),
        _("The API token is unknown, malformed or revoked. Ask an owner of the issuer for a new token."),
    ),
    "permission-denied": (_("Permission denied"), _("Your role in this issuer does not allow this action.")),
    "insufficient-scope": (
        _("The token's scopes do not allow this"),
        _(
            "The token lacks the scope named in `detail` (`<resource>:read` for reads, `<resource>:write` for changes). Ask an owner for a token with that scope."
        ),
    ),
    "not-found": (
        _("Not found"),
        _("There is no such object for this issuer, or it belongs to another issuer (which is never revealed)."),
    ),
    "method-not-allowed": (
        _("Method not allowed"),
        _("This URL does not accept this HTTP method; the `Allow` header lists those it does."),
    ),
    "not-acceptable": (
        _("Not acceptable"),
        _("The `Accept` header asks for a representation this URL cannot produce."),
    ),
    "conflict": (
        _("Conflict with the current state"),
        _("The object's current state does not allow the change. Fetch it again and decide."),
    ),
    "invalid-state": (
        _("Not allowed in the current state"),
        _(
            "The change does not fit the object's state, e.g. revoking a revoked credential or starting a finished job. `detail` says which."
        ),
    ),
    "results-not-ready": (
        _("The results are not ready"),
        _(
            "A bulk job's result file exists once the job has finished or been cancelled. Follow its progress and try again then."
        ),
    ),
    "idempotency-key-reused": (
        _("Idempotency key used for another request"),
        _(
            "This `Idempotency-Key` was first used with a different request. Use a new key for a new request; resend the first request unchanged to get its original answer."
        ),
    ),
    "idempotency-key-in-use": (
        _("Idempotency key in use"),
        _(
            "A request with this `Idempotency-Key` is still being processed. Wait for `Retry-After` seconds and send it again: you will get its answer."
        ),
    ),
    "payload-too-large": (
        _("The request body is too large"),
        _("The body exceeds the limit in `detail`. Send less, or a file (multipart) where the API accepts one."),
    ),
    "unsupported-media-type": (
        _("Unsupported content type"),
        _("The `Content-Type` of the body is not one this URL reads; `detail` lists those it does."),
    ),
    "unprocessable": (
        _("The request cannot be processed"),
        _("The request is well formed but a rule refuses it; `errors` says which field and why."),
    ),
    "rate-limited": (
        _("Too many requests"),
        _("Slow down: wait the number of seconds in `Retry-After` before the next request."),
    ),
    "unavailable": (
        _("The service cannot answer right now"),
        _(
            "The platform cannot reach its own records at the moment (its database is down or unreachable). Send the same request again after `Retry-After` seconds; with an `Idempotency-Key`, a create that did happen is answered, not repeated. From `POST /api/v1/verify`: nothing was decided about the credential, it is neither valid nor invalid."
        ),
    ),
    "server-error": (
        _("Internal server error"),
        _("Something failed on our side and was logged; nothing was changed by the request. Try again later."),
    ),
    "request-error": (
        _("The request cannot be handled"),
        _("A request error without a more precise type; `detail` says what happened."),
    ),
}
