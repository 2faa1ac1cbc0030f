"""The W3C CCG VC-API under /api/vc/ (docs/api.md, "VC-API"; D61): the request and answer shapes generic VC tooling
and the W3C test suites speak, over the platform's own verifier and signer.

- `POST /api/vc/credentials/verify`: public and rate-limited exactly as `POST /api/v1/verify` (the same verifier,
  budget, limits and refusals); 200 `{verified, checks, warnings, errors, verificationReport}`.
- `POST /api/vc/presentations/verify`: the same for a verifiable presentation (verification.presentation).
- `POST /api/vc/credentials/issue`: an issuer's token with `credentials:write` has the program's credential signed
  (badges.client_credentials); 201 `{verifiableCredential}`; `Idempotency-Key` as everywhere in the API.
- `POST /api/vc/credentials/status`: revoke, suspend or reinstate one of the token's issuer's credentials.

Refusals are the API's problem+json (config.problems): 400 for a body of the wrong shape, 422 naming the member a
rule refused (`credential.credentialSubject`), 404 for a credential of another issuer.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import token_of
from api.idempotency import idempotent_create
from api.permissions import token_actor
from api.serializers_manage import canonical_json
from api.views_achievements import IDEMPOTENCY_KEY
from api.views_issuer import field_problem, problems
from badges.api_verify import (
    InvalidInput,
    JsonCredentialParser,
    LdJsonCredentialParser,
    VerifierUnavailable,
    VerifyRateThrottle,
    body_too_large,
)
from badges.client_credentials import client_credential_issue, client_credential_set_status
from badges.models import ClientFormat, Credential, CredentialStatus
from badges.presentations import verify_presentation
from badges.services import CredentialError, credential_revoke, credential_suspend, credential_unsuspend
from badges.verify import verify_credential
from config.problems import Conflict, InsufficientScope, PayloadTooLarge
from issuer.models import Issuer
from verification.errors import InputTooLarge, PlatformUnavailable, VerificationError
from verification.report import FAILED, INDETERMINATE, PASSED, WARNING, Report

ENVELOPED = "EnvelopedVerifiableCredential"
JWT_DATA_URL = "data:application/vc+jwt,"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
ISSUE_SCOPE = "credentials:write"
DEFAULT_REVOCATION_REASON = "Revoked through the VC-API status endpoint."


def _problem(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def enveloped_jwt(item: dict[str, Any]) -> str | None:
    """The VC-JWT an EnvelopedVerifiableCredential carries in its `data:application/vc+jwt,` id, or None when
    `item` is no enveloped credential."""
    types = item.get("type")
    if ENVELOPED not in (types if isinstance(types, list) else [types]):
        return None
    ident = item.get("id")
    if not isinstance(ident, str) or not ident.startswith(JWT_DATA_URL):
        raise InvalidInput(f"An {ENVELOPED} needs an id of the form {JWT_DATA_URL}<compact JWS>.")
    return ident[len(JWT_DATA_URL) :]


def vcapi_result(report: Report) -> dict[str, Any]:
    """A report in the VC-API's verify shape: `verified` only for the verdict valid; `checks` the ids of the checks
    that passed; `errors` those that failed or could not be completed, `warnings` the warnings, each with our id,
    code and message; the whole report as `verificationReport`."""

    def item(check: Any) -> dict[str, Any]:
        return {"id": check.id, "code": check.code, "message": check.message}

    return {
        "verified": report.verdict == "valid",
        "checks": [check.id for check in report.checks if check.status == PASSED],
        "warnings": [item(check) for check in report.checks if check.status == WARNING],
        "errors": [item(check) for check in report.checks if check.status in (FAILED, INDETERMINATE)],
        "verificationReport": report.to_dict(),
    }


class PublicVerifyApi(APIView):
    """The public verifier's door, shape and budget (badges.api_verify): no account, per-address rate limit, the
    body read raw up to VERIFY_MAX_BODY_BYTES and parsed here."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [VerifyRateThrottle]
    parser_classes = [JsonCredentialParser, LdJsonCredentialParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > settings.VERIFY_MAX_BODY_BYTES:
            raise body_too_large()

    def envelope(self, member: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The body's `member` (an object) and its `options` (an object, or empty)."""
        data = self.request.data
        raw = data.get("body") if isinstance(data, dict) else None
        if not raw:
            raise InvalidInput(f'The request body is empty; send {{"{member}": …, "options": {{…}}}}.')
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise InvalidInput("The request body is not JSON.") from exc
        if not isinstance(body, dict):
            raise _problem("non_field_errors", f'Expected a JSON object with "{member}".')
        if member not in body:
            raise _problem(member, "This field is required.")
        if not isinstance(body[member], dict):
            raise _problem(member, "Expected a JSON object (an enveloped credential is an object too).")
        options = body.get("options", {})
        if not isinstance(options, dict):
            raise _problem("options", "Expected a JSON object.")
        return body[member], options

    @staticmethod
    def verify(data: dict[str, Any] | str) -> Report:
        try:
            return verify_credential(data, max_credential_bytes=settings.VERIFY_MAX_BODY_BYTES)
        except InputTooLarge as exc:
            raise PayloadTooLarge(exc.message) from exc
        except VerificationError as exc:
            raise InvalidInput(exc.message) from exc
        except PlatformUnavailable as exc:
            raise VerifierUnavailable() from exc


# The 200 answer of both verify endpoints, for the OpenAPI schema only; written inline because a serializer class
# cannot have a field named `errors` (DRF's own attribute).
VerifyResultSerializer = inline_serializer(
    name="VcVerifyResult",
    fields={
        "verified": serializers.BooleanField(help_text="True only when the verdict is valid."),
        "checks": serializers.ListField(child=serializers.CharField(), help_text="The ids of the checks that passed."),
        "warnings": serializers.ListField(
            child=serializers.DictField(), help_text="{id, code, message} of each warning."
        ),
        "errors": serializers.ListField(
            child=serializers.DictField(),
            help_text="{id, code, message} of each check that failed or could not be completed.",
        ),
        "verificationReport": serializers.DictField(help_text="The platform's whole report (docs/verification.md)."),
    },
)


class VerifyCredentialInputSerializer(serializers.Serializer):
    verifiableCredential = serializers.DictField(
        help_text=f"The credential with its proof, or an {ENVELOPED} whose id is {JWT_DATA_URL}<JWS>."
    )
    options = serializers.DictField(required=False)


class VerifyPresentationInputSerializer(serializers.Serializer):
    verifiablePresentation = serializers.DictField()
    options = serializers.DictField(required=False, help_text="`challenge` and `domain` the proof must carry.")


class VcVerifyCredentialApi(PublicVerifyApi):
    @extend_schema(
        operation_id="vc_credentials_verify",
        summary="VC-API: verify a credential",
        request=VerifyCredentialInputSerializer,
        responses={200: VerifyResultSerializer, **problems(400, 413, 429, 503)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        credential, _ = self.envelope("verifiableCredential")
        jws = enveloped_jwt(credential)
        return Response(vcapi_result(self.verify(jws if jws is not None else credential)))


class VcVerifyPresentationApi(PublicVerifyApi):
    @extend_schema(
        operation_id="vc_presentations_verify",
        summary="VC-API: verify a presentation and every credential it holds",
        request=VerifyPresentationInputSerializer,
        responses={200: VerifyResultSerializer, **problems(400, 413, 429, 503)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        presentation, options = self.envelope("verifiablePresentation")
        for name in ("challenge", "domain"):
            if name in options and not isinstance(options[name], str):
                raise _problem(f"options.{name}", "Expected a string.")

        def credential(item: Any) -> Report:
            if not isinstance(item, dict):
                raise InvalidInput("Each of verifiableCredential must be a JSON object.")
            jws = enveloped_jwt(item)
            return self.verify(jws if jws is not None else item)

        try:
            report = verify_presentation(
                presentation,
                challenge=options.get("challenge"),
                domain=options.get("domain"),
                verify_credential=credential,
            )
        except VerificationError as exc:
            raise InvalidInput(exc.message) from exc
        except PlatformUnavailable as exc:
            raise VerifierUnavailable() from exc
        body = vcapi_result(report.as_report())
        body["verificationReport"] = report.to_dict()
        return Response(body)


class TokenIssuerApi(APIView):
    """For an issuer's API token with `credentials:write`: the issuer is the token's (the VC-API names none)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]
    issuer: Issuer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        token = token_of(request)
        if token is None:
            raise InsufficientScope("The VC-API takes an issuer's API token (Authorization: Bearer obp_…).")
        if not token.allows(ISSUE_SCOPE):
            raise InsufficientScope(f"This token lacks the scope {ISSUE_SCOPE}.")
        self.issuer = token.issuer

    def body(self) -> dict[str, Any]:
        data = self.request.data
        if not isinstance(data, dict):
            raise _problem("non_field_errors", "Expected a JSON object.")
        return data

    def actor(self) -> Any:
        token = token_of(self.request)
        assert token is not None  # initial() refused any other request
        return token_actor(token)


class IssueOptionsSerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=ClientFormat.values,
        required=False,
        help_text="eddsa-rdfc-2022 (default) or eddsa-jcs-2022 (Data Integrity), or vc-jwt (an enveloped VC-JWT).",
    )


class IssueInputSerializer(serializers.Serializer):
    credential = serializers.DictField(help_text="The credential to sign, without proof; `issuer` is filled in.")
    options = IssueOptionsSerializer(required=False)


class IssueResultSerializer(serializers.Serializer):
    verifiableCredential = serializers.DictField()


class VcIssueCredentialApi(TokenIssuerApi):
    @extend_schema(
        operation_id="vc_credentials_issue",
        summary="VC-API: sign a credential as the token's issuer",
        description=(
            "The credential is held to the VC Data Model 2.0 (and, for an Open Badges credential, its JSON Schema) "
            "before anything is signed; a refusal is a 422 naming the member. `issuer` must be the token's issuer "
            "(or absent: it is filled in); a credential without `id` gets a urn:uuid, one without "
            "`credentialStatus` a slot of the issuer's status lists (then `POST /api/vc/credentials/status` "
            "revokes or suspends it). Send an `Idempotency-Key` header to retry safely."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=IssueInputSerializer,
        examples=[
            OpenApiExample(
                "Issue",
                request_only=True,
                value={
                    "credential": {
                        "@context": [VC_V2],
                        "type": ["VerifiableCredential"],
                        "credentialSubject": {"id": "did:example:ada", "name": "Ada"},
                    },
                    "options": {"format": "eddsa-rdfc-2022"},
                },
            )
        ],
        responses={201: IssueResultSerializer, **problems(400, 409, 415, 422, 401, 403, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.body()
        form = IssueInputSerializer(data=data)
        form.is_valid(raise_exception=True)
        # The credential as sent (DictField copies it, and keeps its members as they were).
        credential = data["credential"]
        fmt = dict(form.validated_data.get("options") or {}).get("format", ClientFormat.EDDSA_RDFC)

        def create() -> Response:
            try:
                issued = client_credential_issue(issuer=self.issuer, credential=credential, fmt=fmt, actor=self.actor())
            except CredentialError as exc:
                raise field_problem(exc.message, exc.field) from exc
            if issued.jwt is not None:
                signed = {"@context": [VC_V2], "id": JWT_DATA_URL + issued.jwt, "type": ENVELOPED}
            else:
                signed = issued.document or {}
            return Response({"verifiableCredential": signed}, status=status.HTTP_201_CREATED)

        return idempotent_create(request, canonical_json({"credential": credential, "format": fmt}), create)


class StatusEntrySerializer(serializers.Serializer):
    type = serializers.CharField(required=False)
    status = serializers.ChoiceField(
        choices=CredentialStatus.choices,
        help_text="revoked (for good), suspended, or active (reinstate a suspended credential).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class StatusInputSerializer(serializers.Serializer):
    credentialId = serializers.CharField(max_length=500)
    credentialStatus = StatusEntrySerializer(many=True, allow_empty=False)


class StatusResultSerializer(serializers.Serializer):
    credentialId = serializers.CharField()
    status = serializers.ChoiceField(choices=CredentialStatus.choices)


class VcCredentialStatusApi(TokenIssuerApi):
    @extend_schema(
        operation_id="vc_credentials_status",
        summary="VC-API: revoke, suspend or reinstate a credential of the token's issuer",
        description=(
            "`credentialId` is an award's id (`<site>/credentials/<uuid>`) or the id of a credential signed through "
            "`POST /api/vc/credentials/issue`; another issuer's credential is 404. The last entry of "
            "`credentialStatus` is applied."
        ),
        request=StatusInputSerializer,
        examples=[
            OpenApiExample(
                "Revoke",
                request_only=True,
                value={
                    "credentialId": "urn:uuid:6f1c2a4e-0d6b-4bb4-9a49-1c0e8f3a7e55",
                    "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
                },
            )
        ],
        responses={200: StatusResultSerializer, **problems(400, 409, 415, 422, 401, 403, 404, 429)},
    )
    def post(self, request: Request) -> Response:
        form = StatusInputSerializer(data=self.body())
        form.is_valid(raise_exception=True)
        credential_id = form.validated_data["credentialId"]
        entry = dict(form.validated_data["credentialStatus"][-1])
        target, reason = entry["status"], entry.get("reason", "")
        try:
            award = self.award(credential_id)
            if award is not None:
                self.change_award(award, target, reason)
            else:
                client_credential_set_status(
                    issuer=self.issuer,
                    credential_id=credential_id,
                    status=target,
                    actor=self.actor(),
                    reason=reason or (DEFAULT_REVOCATION_REASON if target == "revoked" else ""),
                )
        except CredentialError as exc:
            if exc.field == "credentialId":
                raise NotFound("No such credential.") from exc
            if exc.field:
                raise field_problem(exc.message, exc.field) from exc
            raise Conflict(exc.message) from exc
        return Response({"credentialId": credential_id, "status": target})

    def award(self, credential_id: str) -> Credential | None:
        """The token's issuer's award with this id, or None (another issuer's is as unknown as none)."""
        prefix = f"{settings.SITE_URL}/credentials/"
        if not credential_id.startswith(prefix):
            return None
        try:
            wanted = uuid.UUID(credential_id[len(prefix) :])
        except ValueError:
            return None
        return Credential.objects.filter(issuer=self.issuer, uuid=wanted).first()

    def change_award(self, award: Credential, target: str, reason: str) -> None:
        actor = self.actor()
        if target == CredentialStatus.REVOKED:
            credential_revoke(credential=award, reason=reason or DEFAULT_REVOCATION_REASON, actor=actor)
        elif target == CredentialStatus.SUSPENDED:
            credential_suspend(credential=award, reason=reason, actor=actor)
        else:
            credential_unsuspend(credential=award, actor=actor)
