"""Credentials of an issuer: award one, list with filters, retrieve the signed document, revoke, suspend,
unsuspend. Thin views: badges.services builds, signs, stores and changes status, as for the issuer's pages."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.errors import Conflict
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
from api.views_issuer import COMMON_ERRORS, IssuerApiView, field_problem, find_achievement, problems, query_text
from badges.documents import normalize_email
from badges.models import Credential, CredentialStatus
from badges.services import (
    AwardRequest,
    CredentialError,
    credential_issue,
    credential_revoke,
    credential_suspend,
    credential_unsuspend,
)
from issuer.permissions import Action


def award_key(request: Request, key: str) -> str:
    """The credential's own idempotency key for an API award sent with `Idempotency-Key`: derived from the client
    and the key (keys are per client, and the credential's key is per issuer and at most 200 characters), so a
    retry finds the credential issued first even if the stored response is gone."""
    return "api:" + hashlib.sha256(f"{client_scope(request)}\0{key}".encode()).hexdigest()


def _issued_since(request: Request) -> datetime | None:
    raw = query_text(request, "issued_since")
    if not raw:
        return None
    try:
        moment = parse_datetime(raw)
        if moment is None:
            day = parse_date(raw)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC) if day is not None else None
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({"issued_since": ["An ISO 8601 date-time, such as 2026-06-01T00:00:00Z."]})
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return moment


class CredentialApiView(IssuerApiView):
    resource = "credentials"
    write_action = Action.AWARD

    def credential(self, uuid: Any) -> Credential:
        """The issuer's credential: another issuer's UUID is as unknown as one that does not exist."""
        found = Credential.objects.filter(issuer=self.issuer, uuid=uuid).select_related("issuer", "achievement").first()
        if found is None:
            raise NotFound("No such credential.")
        return found

    def answer(self, credential: Credential, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(CredentialSerializer(self.credential(credential.uuid)).data, status=status_code)


STATUS_CHOICES = list(CredentialStatus.values)


class CredentialListCreateApi(CredentialApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="credentials_list",
        summary="List credentials, newest first",
        parameters=[
            OpenApiParameter("achievement", str, description="Id, UUID or slug of the issuer's achievement."),
            OpenApiParameter("email", str, description="The recipient's e-mail address (any case)."),
            OpenApiParameter("status", str, enum=STATUS_CHOICES, description="What the status lists say."),
            OpenApiParameter(
                "issued_since", str, description="Issued at or after this ISO 8601 date-time (or date, UTC)."
            ),
        ],
        responses={200: CredentialSummarySerializer(many=True), **problems(400, *COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        queryset: QuerySet[Credential] = Credential.objects.filter(issuer=self.issuer)
        ref = query_text(request, "achievement")
        if ref:
            achievement = find_achievement(self.issuer, ref)
            if achievement is None:
                raise ValidationError({"achievement": [f"This issuer has no achievement {ref!r} (id, UUID or slug)."]})
            queryset = queryset.filter(achievement=achievement)
        email = query_text(request, "email")
        if email:
            queryset = queryset.filter(recipient_email=normalize_email(email))
        wanted = query_text(request, "status")
        if wanted:
            if wanted not in STATUS_CHOICES:
                raise ValidationError({"status": [f"Unknown status {wanted!r}; one of: {', '.join(STATUS_CHOICES)}."]})
            queryset = queryset.filter(status=wanted)
        since = _issued_since(request)
        if since is not None:
            queryset = queryset.filter(created_at__gte=since)
        queryset = queryset.select_related("issuer", "achievement")
        paginator = ApiPagination()
        page = paginator.paginate_queryset(queryset.order_by("-created_at", "-id"), request, view=self)
        return paginator.get_paginated_response(CredentialSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="credentials_award",
        summary="Award a credential (build, sign, store, e-mail the learner)",
        description=(
            "Send an `Idempotency-Key` header to retry safely: the same key with the same body answers with the "
            "credential issued first, and never issues a second one."
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
            )
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
        )

        def create() -> Response:
            try:
                credential = credential_issue(request=award, source="api", notify=fields["notify"], **self.actor())
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
                changed = credential_revoke(credential=credential, reason=reason, **self.actor())
            elif name == "suspend":
                changed = credential_suspend(credential=credential, reason=reason, **self.actor())
            else:
                changed = credential_unsuspend(credential=credential, **self.actor())
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
