"""Achievements of an issuer: list (search, filters), create, retrieve, change, archive, unarchive. Thin views:
badges.achievements checks and writes, as it does for the issuer's pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import IssuerFilterBackend
from api.idempotency import idempotent_create
from api.pagination import ApiPagination
from api.serializers import absolute
from api.serializers_manage import AchievementInputSerializer, AchievementSerializer, canonical_json
from api.views_issuer import COMMON_ERRORS, IssuerApiView, django_errors, problems, unprocessable
from badges import achievements
from badges.filters import AchievementFilter
from badges.models import Achievement, Alignment
from config.problems import Conflict
from issuer.permissions import Action

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, description="1 to 255 printable ASCII characters."
)


def _url(achievement: Achievement) -> str:
    return absolute(reverse("api:achievement-detail", args=[achievement.issuer.slug, achievement.uuid]))


class AchievementApiView(IssuerApiView):
    resource = "achievements"
    write_actions = (Action.EDIT_ACHIEVEMENTS,)

    def achievement(self, uuid: Any) -> Achievement:
        """The issuer's achievement: another issuer's UUID is as unknown as one that does not exist."""
        found = (
            Achievement.objects.filter(issuer=self.issuer, uuid=uuid)
            .select_related("issuer")
            .annotate(credential_count=Count("credentials"))
            .first()
        )
        if found is None:
            raise NotFound("No such achievement.")
        return found

    def answer(self, achievement: Achievement, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(AchievementSerializer(self.achievement(achievement.uuid)).data, status=status_code)


def _service_arguments(fields: dict[str, Any]) -> dict[str, Any]:
    """The validated body as the service's `data`, `alignments` and `result_descriptions`."""
    fields = dict(fields)
    arguments: dict[str, Any] = {}
    if "alignments" in fields:
        arguments["alignments"] = [dict(item) for item in fields.pop("alignments")]
    if "result_descriptions" in fields:
        arguments["result_descriptions"] = [dict(item) for item in fields.pop("result_descriptions")]
    arguments["data"] = fields
    return arguments


class AchievementListCreateApi(AchievementApiView):
    pagination_class = ApiPagination
    # The filters of the issuer's achievement list (badges.filters); `queryset` only names the model for the schema.
    filter_backends = [IssuerFilterBackend]
    filterset_class = AchievementFilter
    queryset = Achievement.objects.none()

    @extend_schema(
        operation_id="achievements_list",
        summary="List achievements",
        filters=True,
        responses={200: AchievementSerializer(many=True), **problems(400, *COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        queryset = self.filter_queryset(Achievement.objects.filter(issuer=self.issuer)).prefetch_related(
            Prefetch("alignments", queryset=Alignment.objects.order_by("position", "pk"))
        )
        paginator = ApiPagination()
        page = paginator.paginate_queryset(queryset.select_related("issuer"), request, view=self)
        return paginator.get_paginated_response(AchievementSerializer(page, many=True).data)

    @extend_schema(
        operation_id="achievements_create",
        summary="Create an achievement",
        parameters=[IDEMPOTENCY_KEY],
        request=AchievementInputSerializer,
        examples=[
            OpenApiExample(
                "Create",
                request_only=True,
                value={
                    "name": "Data Cleaning",
                    "description": "Cleans and documents a messy data set.",
                    "criteria_narrative": "Submit a cleaned data set with a **notebook**.",
                    "achievement_type": "Badge",
                    "tags": ["data", "python"],
                    "alignments": [
                        {"target_name": "Data wrangling", "target_url": "https://example.org/skills/wrangling"}
                    ],
                },
            )
        ],
        responses={201: AchievementSerializer, **problems(400, 409, 415, 422, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        fields = self.body(AchievementInputSerializer)

        def create() -> Response:
            try:
                created = achievements.achievement_create(
                    issuer=self.issuer, actor=self.actor(), **_service_arguments(fields)
                )
            except DjangoValidationError as exc:
                raise unprocessable(django_errors(exc)) from exc
            response = self.answer(created, status.HTTP_201_CREATED)
            response["Location"] = _url(created)
            return response

        return idempotent_create(request, canonical_json(fields), create)


class AchievementDetailApi(AchievementApiView):
    @extend_schema(
        operation_id="achievements_retrieve",
        summary="An achievement",
        responses={200: AchievementSerializer, **problems(*COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str, uuid: Any) -> Response:
        return Response(AchievementSerializer(self.achievement(uuid)).data)

    @extend_schema(
        operation_id="achievements_update",
        summary="Change an achievement (credentials already issued keep what they embed)",
        description="Members absent stay as they are. The version counts up when what credentials embed changes.",
        request=AchievementInputSerializer,
        responses={200: AchievementSerializer, **problems(400, 415, 422, *COMMON_ERRORS)},
    )
    def patch(self, request: Request, slug: str, uuid: Any) -> Response:
        achievement = self.achievement(uuid)
        fields = self.body(AchievementInputSerializer)
        if "version" in fields:
            raise ValidationError({"version": ["The version counts up by itself; it is set only at creation."]})
        try:
            saved = achievements.achievement_update(
                achievement=achievement, actor=self.actor(), **_service_arguments(fields)
            )
        except DjangoValidationError as exc:
            raise unprocessable(django_errors(exc)) from exc
        return self.answer(saved)

    @extend_schema(
        operation_id="achievements_destroy",
        summary="Delete an achievement that was never awarded and is used by no bulk job or stacking rule",
        description="An achievement that was awarded, or that a bulk job or rule names, is archived instead: 409.",
        responses={204: None, **problems(409, *COMMON_ERRORS)},
    )
    def delete(self, request: Request, slug: str, uuid: Any) -> Response:
        try:
            achievements.achievement_delete(achievement=self.achievement(uuid), actor=self.actor())
        except achievements.AchievementInUse as exc:
            raise Conflict(exc.message) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class AchievementArchiveApi(AchievementApiView):
    @extend_schema(
        operation_id="achievements_archive",
        summary="Archive: no more awards; credentials issued stay valid (archiving twice changes nothing)",
        request=None,
        responses={200: AchievementSerializer, **problems(*COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        return self.answer(achievements.achievement_archive(achievement=self.achievement(uuid), actor=self.actor()))


class AchievementUnarchiveApi(AchievementApiView):
    @extend_schema(
        operation_id="achievements_unarchive",
        summary="Make an archived achievement awardable again",
        request=None,
        responses={200: AchievementSerializer, **problems(*COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        achievement = self.achievement(uuid)
        return self.answer(achievements.achievement_unarchive(achievement=achievement, actor=self.actor()))
