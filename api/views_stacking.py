"""Qualifications (stacking rules) of an issuer: list, create, retrieve, change, deactivate, and a learner's
progress. Thin views: stacking.services checks the rule (well formed, usable achievements, no cycle) and writes."""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent_create
from api.pagination import ApiPagination
from api.serializers import absolute
from api.serializers_manage import (
    ProgressSerializer,
    QualificationInputSerializer,
    QualificationSerializer,
    canonical_json,
)
from api.views_achievements import IDEMPOTENCY_KEY
from api.views_issuer import COMMON_ERRORS, IssuerApiView, field_problem, find_achievement, problems, query_text
from badges.documents import normalize_email
from badges.models import Credential
from issuer.permissions import STACKING_WRITE
from stacking import rules
from stacking.models import Qualification
from stacking.services import StackingError, qualification_deactivate, qualification_progress, qualification_save

ACTIVE_CHOICES = ("yes", "no", "any")


def _with_uuids(issuer: Any, node: Any, depth: int = 0) -> Any:
    """The rule with the leaves that name one of the issuer's own achievements by id or slug rewritten to its UUID
    (what stacking.rules stores). Anything else is left for the service to judge."""
    if depth > rules.MAX_DEPTH + 1 or not isinstance(node, dict):
        return node
    if node.get("kind") == rules.LEAF and isinstance(node.get("achievement"), str):
        ref = node["achievement"]
        try:
            uuid_module.UUID(ref)
        except ValueError:
            found = find_achievement(issuer, ref)
            if found is not None:
                return {**node, "achievement": str(found.uuid)}
        return node
    children = node.get("children")
    if isinstance(children, list):
        return {**node, "children": [_with_uuids(issuer, child, depth + 1) for child in children]}
    return node


class QualificationApiView(IssuerApiView):
    resource = "stacking"
    write_actions = STACKING_WRITE

    def qualification(self, uuid: Any) -> Qualification:
        """The issuer's qualification: another issuer's UUID is as unknown as one that does not exist."""
        found = (
            Qualification.objects.filter(issuer=self.issuer, uuid=uuid).select_related("issuer", "achievement").first()
        )
        if found is None:
            raise NotFound("No such qualification.")
        return found

    def answer(self, qualification: Qualification, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(QualificationSerializer(self.qualification(qualification.uuid)).data, status=status_code)

    def save(self, fields: dict[str, Any], current: Qualification | None) -> Qualification:
        if "achievement" in fields:
            ref = fields["achievement"]
            achievement = find_achievement(self.issuer, ref)
            if achievement is None:
                raise field_problem(f"This issuer has no achievement {ref!r} (id, UUID or slug).", "achievement")
        elif current is not None:
            achievement = current.achievement
        else:
            raise ValidationError({"achievement": ["This field is required."]})
        if "rule" in fields:
            rule = _with_uuids(self.issuer, fields["rule"])
        elif current is not None:
            rule = current.rule
        else:
            raise ValidationError({"rule": ["This field is required."]})
        keep: dict[str, Any] = {}
        for name in ("window_days", "require_valid", "on_component_loss"):
            if name in fields:
                keep[name] = fields[name]
            elif current is not None:  # a change keeps what it does not name
                keep[name] = getattr(current, name)
        try:
            return qualification_save(
                issuer=self.issuer,
                achievement=achievement,
                rule=rule,
                qualification=current,
                **keep,
                actor=self.actor(),
            )
        except StackingError as exc:
            raise field_problem(exc.message, exc.field) from exc


class QualificationListCreateApi(QualificationApiView):
    pagination_class = ApiPagination

    @extend_schema(
        operation_id="qualifications_list",
        summary="List qualifications (stacking rules)",
        parameters=[
            OpenApiParameter("active", str, enum=list(ACTIVE_CHOICES), description="yes, no or any (default).")
        ],
        responses={200: QualificationSerializer(many=True), **problems(400, *COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        queryset = Qualification.objects.filter(issuer=self.issuer).select_related("issuer", "achievement")
        active = query_text(request, "active") or "any"
        if active not in ACTIVE_CHOICES:
            raise ValidationError({"active": [f"One of: {', '.join(ACTIVE_CHOICES)}."]})
        if active != "any":
            queryset = queryset.filter(active=active == "yes")
        paginator = ApiPagination()
        page = paginator.paginate_queryset(queryset.order_by("achievement__name", "pk"), request, view=self)
        return paginator.get_paginated_response(QualificationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="qualifications_create",
        summary="Create a qualification: who satisfies the rule is awarded the achievement",
        parameters=[IDEMPOTENCY_KEY],
        request=QualificationInputSerializer,
        examples=[
            OpenApiExample(
                "Create",
                request_only=True,
                value={
                    "achievement": "python-developer",
                    "rule": {
                        "kind": "all",
                        "children": [
                            {"kind": "achievement", "achievement": "python-basics"},
                            {"kind": "achievement", "achievement": "sql-fundamentals"},
                        ],
                    },
                    "window_days": 365,
                },
            )
        ],
        responses={201: QualificationSerializer, **problems(400, 409, 415, 422, *COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        fields = self.body(QualificationInputSerializer)
        for name in ("achievement", "rule"):
            if name not in fields:
                raise ValidationError({name: ["This field is required."]})

        def create() -> Response:
            created = self.save(fields, None)
            response = self.answer(created, status.HTTP_201_CREATED)
            response["Location"] = absolute(reverse("api:qualification-detail", args=[self.issuer.slug, created.uuid]))
            return response

        return idempotent_create(request, canonical_json(fields), create)


class QualificationDetailApi(QualificationApiView):
    @extend_schema(
        operation_id="qualifications_retrieve",
        summary="A qualification",
        responses={200: QualificationSerializer, **problems(*COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str, uuid: Any) -> Response:
        return Response(QualificationSerializer(self.qualification(uuid)).data)

    @extend_schema(
        operation_id="qualifications_update",
        summary="Change a qualification (applies to later events; it is active again after a change)",
        request=QualificationInputSerializer,
        responses={200: QualificationSerializer, **problems(400, 415, 422, *COMMON_ERRORS)},
    )
    def patch(self, request: Request, slug: str, uuid: Any) -> Response:
        current = self.qualification(uuid)
        fields = self.body(QualificationInputSerializer)
        return self.answer(self.save(fields, current))


class QualificationDeactivateApi(QualificationApiView):
    @extend_schema(
        operation_id="qualifications_deactivate",
        summary="Stop evaluating the rule (credentials already issued stay)",
        request=None,
        responses={200: QualificationSerializer, **problems(*COMMON_ERRORS)},
    )
    def post(self, request: Request, slug: str, uuid: Any) -> Response:
        current = self.qualification(uuid)
        if current.active:
            qualification_deactivate(qualification=current, actor=self.actor())
        return self.answer(current)


class QualificationProgressApi(QualificationApiView):
    @extend_schema(
        operation_id="qualifications_progress",
        summary="How far a learner is: the rule explained over what they hold",
        parameters=[
            OpenApiParameter(
                "email",
                str,
                required=True,
                description="The learner's e-mail address.",
                examples=[OpenApiExample("Learner", value="ada@example.org")],
            )
        ],
        responses={200: ProgressSerializer, **problems(400, *COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str, uuid: Any) -> Response:
        current = self.qualification(uuid)
        email = normalize_email(query_text(request, "email"))
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationError({"email": ["A valid e-mail address is required."]}) from None
        progress = qualification_progress(current, email)
        ids = list(progress.outcome.evidence)
        uuids = dict(Credential.objects.filter(pk__in=ids).values_list("pk", "uuid"))
        body = {
            "email": email,
            "satisfied": progress.outcome.satisfied,
            "lines": progress.lines,
            "evidence": [absolute(f"/credentials/{uuids[pk]}") for pk in ids if pk in uuids],
            "window_start": progress.outcome.window_start,
        }
        return Response(ProgressSerializer(body).data)
