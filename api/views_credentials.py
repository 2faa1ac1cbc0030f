"""Credentials of an issuer: award one, list with filters, retrieve the signed document, revoke, suspend,
unsuspend. Thin views: badges.services builds, signs, stores and changes status, as for the issuer's pages."""

from __future__ import annotations

import hashlib
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import IssuerFilterBackend
from api.idempotency import client_scope, idempotent_create, request_key
from api.pagination import ApiPagination
from api.serializers import absolute
from api.serializers_manage import (
    AwardInputSerializer,
    CredentialSerializer,
    CredentialSummarySerializer,
    StatusChangeInputSerializer,
    canonical_json,
)
from api.views_achievements import IDEMPOTENCY_KEY
from api.views_issuer import COMMON_ERRORS, IssuerApiView, field_problem, find_achievement, problems
from badges.filters import CredentialFilter
from badges.models import Credential
from badges.services import (
    AwardRequest,
    CredentialError,
    credential_issue,
    credential_revoke,
    credential_suspend,
    credential_unsuspend,
)
from config.problems import Conflict
from issuer.permissions import Action


def award_key(request: Request, key: str) -> str:
    """The credential's own idempotency key for an API award sent with `Idempotency-Key`: derived from the client
    and the key (keys are per client, and the credential's key is per issuer and at most 200 characters), so a
    retry finds the credential issued first even if the stored response is gone."""
    return "api:" + hashlib.sha256(f"{client_scope(request)}\0{key}".encode()).hexdigest()


class CredentialApiView(IssuerApiView):
    resource = "credentials"
    write_actions = (Action.AWARD,)

    def credential(self, uuid: Any) -> Credential:
        """The issuer's credential: another issuer's UUID is as unknown as one that does not exist."""
        found = Credential.objects.filter(issuer=self.issuer, uuid=uuid).select_related("issuer", "achievement").first()
        if found is None:
            raise NotFound("No such credential.")
        return found

    def answer(self, credential: Credential, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(CredentialSerializer(self.credential(credential.uuid)).data, status=status_code)


class CredentialListCreateApi(CredentialApiView):
    pagination_class = ApiPagination
    # The filters of the issuer's award list (badges.filters); `queryset` only names the model for the schema.
    filter_backends = [IssuerFilterBackend]
    filterset_class = CredentialFilter
    queryset = Credential.objects.none()

    @extend_schema(
        operation_id="credentials_list",
        summary="List credentials, newest first",
        filters=True,
        responses={200: CredentialSummarySerializer(many=True), **problems(400, *COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        queryset = self.filter_queryset(Credential.objects.filter(issuer=self.issuer))
        queryset = queryset.select_related("issuer", "achievement")
        paginator = ApiPagination()
        page = paginator.paginate_queryset(queryset.order_by("-created_at", "-id"), request, view=self)
        return paginator.get_paginated_response(CredentialSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="credentials_award",
        summary="Award a credential (build, sign, store, e-mail the learner)",
        description=(
            "Send an `Idempotency-Key` header to retry safely: the same key with the same body answers with the "
            "credential issued first, and never issues a second one. Results are checked against the achievement's "
            "result descriptions; a refusal names the member at fault, such as `results[0].value` or "
            "`activity_end_date`."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=AwardInputSerializer,
        examples=[
            OpenApiExample(
                "Award",
                request_only=True,
                value={
                    "achievement": "python-basics",
                    "email": "ada@example.org",
                    "name": "Ada Lovelace",
                    "evidence": [{"id": "https://lms.example.org/work/17", "name": "Final project"}],
                },
            ),
            OpenApiExample(
                "Award with results, dates and a narrative",
                request_only=True,
                value={
                    "achievement": "python-basics",
                    "email": "ada@example.org",
                    "results": [{"result_description": "Final", "value": "87"}],
                    "awarded_date": "2025-06-30T12:00:00Z",
                    "activity_start_date": "2025-04-01T00:00:00Z",
                    "activity_end_date": "2025-06-28T00:00:00Z",
                    "narrative": "Built a parser and its tests.",
                    "evidence": [
                        {
                            "id": "https://lms.example.org/work/17",
                            "name": "Final project",
                            "genre": "Project",
                            "description": "The parser and its tests.",
                        }
                    ],
                },
            ),
        ],
        responses={201: CredentialSerializer, **problems(400, 409, 415, 422, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        fields = self.body(AwardInputSerializer)
        key = request_key(request)
        ref = fields["achievement"]
        achievement = find_achievement(self.issuer, ref)
        if achievement is None:
            raise field_problem(f"This issuer has no achievement {ref!r} (id, UUID or slug).", "achievement")
        award = AwardRequest(
            achievement=achievement,
            email=fields["email"],
            name=fields.get("name", ""),
            evidence=[{k: v for k, v in dict(item).items() if v} for item in fields.get("evidence", [])],
            valid_from=fields.get("valid_from"),
            valid_until=fields.get("valid_until"),
            format=fields.get("format"),
            idempotency_key=award_key(request, key) if key is not None else None,
            language=fields.get("language", ""),
            results=[dict(item) for item in fields.get("results", [])],
            awarded_date=fields.get("awarded_date"),
            activity_start_date=fields.get("activity_start_date"),
            activity_end_date=fields.get("activity_end_date"),
            narrative=fields.get("narrative", ""),
        )

        def create() -> Response:
            try:
                credential = credential_issue(request=award, source="api", notify=fields["notify"], actor=self.actor())
            except CredentialError as exc:
                raise field_problem(exc.message, exc.field) from exc
            response = self.answer(credential, status.HTTP_201_CREATED)
            response["Location"] = absolute(reverse("api:credential-detail", args=[self.issuer.slug, credential.uuid]))
            return response

        return idempotent_create(request, canonical_json(fields), create)


class CredentialDetailApi(CredentialApiView):
    @extend_schema(
        operation_id="credentials_retrieve",
        summary="A credential with its signed document",
        responses={200: CredentialSerializer, **problems(*COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str, uuid: Any) -> Response:
        return Response(CredentialSerializer(self.credential(uuid)).data)


class CredentialStatusApi(CredentialApiView):
    def change(self, uuid: Any, name: str) -> Response:
        credential = self.credential(uuid)
        reason = self.body(StatusChangeInputSerializer).get("reason", "") if name != "unsuspend" else ""
        try:
            if name == "revoke":
                changed = credential_revoke(credential=credential, reason=reason, actor=self.actor())
            elif name == "suspend":
                changed = credential_suspend(credential=credential, reason=reason, actor=self.actor())
            else:
                changed = credential_unsuspend(credential=credential, actor=self.actor())
        except CredentialError as exc:
            if exc.field:
                raise field_problem(exc.message, exc.field) from exc
            raise Conflict(exc.message) from exc
        return self.answer(changed)


class CredentialRevokeApi(CredentialStatusApi):
    @extend_schema(
        operation_id="credentials_revoke",
        summary="Revoke for good (a reason is needed)",
        request=StatusChangeInputSerializer,
        examples=[OpenApiExample("Revoke", request_only=True, value={"reason": "Awarded by mistake"})],
        responses={200: CredentialSerializer, **problems(400, 409, 415, 422, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        return self.change(uuid, "revoke")


class CredentialSuspendApi(CredentialStatusApi):
    @extend_schema(
        operation_id="credentials_suspend",
        summary="Suspend an active credential until it is reinstated",
        request=StatusChangeInputSerializer,
        responses={200: CredentialSerializer, **problems(400, 409, 415, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        return self.change(uuid, "suspend")


class CredentialUnsuspendApi(CredentialStatusApi):
    @extend_schema(
        operation_id="credentials_unsuspend",
        summary="Reinstate a suspended credential",
        request=None,
        responses={200: CredentialSerializer, **problems(409, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        return self.change(uuid, "unsuspend")
