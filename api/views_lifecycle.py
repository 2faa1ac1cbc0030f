"""An award's later life in the integrator API: renew, correct, resend (badges.lifecycle, D64).

Thin views like the rest of api.views_credentials: the body is checked, the service decides. A renewal or a
correction answers 201 with the new credential (its `replaces` names the old one) and its Location; a repeated
request — the same `Idempotency-Key`, or the same body again without one — answers with the credential made the
first time. A resend answers 202: the e-mail is queued.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent_create
from api.serializers import absolute
from api.serializers_lifecycle import CorrectInputSerializer, RenewInputSerializer
from api.serializers_manage import CredentialSerializer, canonical_json
from api.views_achievements import IDEMPOTENCY_KEY
from api.views_credentials import CredentialApiView
from api.views_issuer import COMMON_ERRORS, field_problem, find_achievement, problems
from badges.lifecycle import ResendLimited, credential_correct, credential_renew, credential_resend
from badges.models import Credential, CredentialSource
from badges.services import CredentialError
from config.problems import Conflict, Problem


def _refusal(exc: CredentialError) -> Problem:
    """A refusal naming its field is 422 with that field; one about the credential's state is 409."""
    if isinstance(exc, ResendLimited):
        return Problem(
            exc.message,
            slug="rate-limited",
            title="Too many requests",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if exc.field:
        return field_problem(exc.message, exc.field)
    return Conflict(exc.message)


class _ReplacementApi(CredentialApiView):
    def created(self, credential: Credential) -> Response:
        response = self.answer(credential, status.HTTP_201_CREATED)
        response["Location"] = absolute(reverse("api:credential-detail", args=[self.issuer.slug, credential.uuid]))
        return response


class CredentialRenewApi(_ReplacementApi):
    @extend_schema(
        operation_id="credentials_renew",
        summary="Renew: a new credential with a later validUntil, linked to this one (which stays valid)",
        description=(
            "Refused (409) for a revoked or suspended credential and one already renewed or corrected; 422 names "
            "`valid_until` when it is not later than the current end, or the credential does not expire."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=RenewInputSerializer,
        examples=[OpenApiExample("Renew", request_only=True, value={"valid_until": "2028-06-30T00:00:00Z"})],
        responses={201: CredentialSerializer, **problems(400, 409, 415, 422, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        credential = self.credential(uuid)
        fields = self.body(RenewInputSerializer)

        def create() -> Response:
            try:
                renewal = credential_renew(
                    credential=credential,
                    valid_until=fields.get("valid_until"),
                    actor=self.actor(),
                    source=CredentialSource.API,
                )
            except CredentialError as exc:
                raise _refusal(exc) from exc
            return self.created(renewal)

        return idempotent_create(request, canonical_json(fields), create)


class CredentialCorrectApi(_ReplacementApi):
    @extend_schema(
        operation_id="credentials_correct",
        summary="Correct: a replacement with the corrected name or achievement; this one is revoked as superseded",
        description=(
            "This credential is revoked with the reason `Superseded by <the replacement's id>`, which the verify "
            "API reports with `replacedBy`. Refused (409) for a revoked or suspended credential and one already "
            "renewed or corrected; 422 names the field when nothing would change or the achievement is unknown."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=CorrectInputSerializer,
        examples=[OpenApiExample("Correct a name", request_only=True, value={"name": "Ada Lovelace"})],
        responses={201: CredentialSerializer, **problems(400, 409, 415, 422, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        credential = self.credential(uuid)
        fields = self.body(CorrectInputSerializer)
        achievement = None
        if "achievement" in fields:
            achievement = find_achievement(self.issuer, fields["achievement"])
            if achievement is None or achievement.archived:
                raise field_problem(
                    f"This issuer has no current achievement {fields['achievement']!r} (id, UUID or slug).",
                    "achievement",
                )

        def create() -> Response:
            try:
                correction = credential_correct(
                    credential=credential,
                    name=fields.get("name"),
                    achievement=achievement,
                    actor=self.actor(),
                    source=CredentialSource.API,
                )
            except CredentialError as exc:
                raise _refusal(exc) from exc
            return self.created(correction)

        return idempotent_create(request, canonical_json(fields), create)


class CredentialResendApi(CredentialApiView):
    @extend_schema(
        operation_id="credentials_resend",
        summary="Send the award e-mail to the learner again (nothing new is issued)",
        description=(
            "Queued: 202 with the credential. Refused (409) for a revoked or suspended credential, and 429 with "
            "Retry-After beyond three resends of the same credential in 24 hours."
        ),
        request=None,
        responses={202: CredentialSerializer, **problems(409, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        credential = self.credential(uuid)
        try:
            credential_resend(credential=credential, actor=self.actor())
        except CredentialError as exc:
            raise _refusal(exc) from exc
        return self.answer(credential, status.HTTP_202_ACCEPTED)
