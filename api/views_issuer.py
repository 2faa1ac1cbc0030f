"""The issuer's own profile (GET, PATCH), and what every management view shares: the issuer-scoped base view,
the actor its writes are recorded under, and the mapping of the services' refusals to problems.

Status codes of refusals, everywhere under /api/v1/issuers/<slug>/: a body of the wrong shape (unknown member,
wrong type, too long) is 400; a body of the right shape that a domain rule refuses (an invalid URL, a taken slug,
an archived achievement) is 422 with `errors` naming the fields; a change the object's state does not allow
(revoking twice) is 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api.authentication import token_of
from api.permissions import IssuerAccess, token_actor
from api.serializers import ProblemSerializer
from api.serializers_manage import IssuerSerializer, IssuerUpdateSerializer
from badges.models import Achievement
from badges.selectors import achievement_for_issuer
from config.problems import PROBLEM_CONTENT_TYPE, PROBLEMS, Problem
from issuer.models import Issuer
from issuer.permissions import Action, Actor
from issuer.services import IssuerError, issuer_update

COMMON_ERRORS = (401, 403, 404, 429)


def problems(*codes: int) -> dict[Any, OpenApiResponse]:
    """The error responses of an operation, documented with the content type they are sent with."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=PROBLEMS.get(code, ("", ""))[1])
        for code in codes
    }


def unprocessable(errors: dict[str, list[str]]) -> Problem:
    """422 with the fields a domain rule refused."""
    return Problem(
        "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items()),
        title="The request has invalid fields",
        status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        errors=errors,
    )


def field_problem(message: str, field: str | None) -> Problem:
    return unprocessable({field or api_settings.NON_FIELD_ERRORS_KEY: [message]})


def django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if name == "__all__" else name): [str(m) for m in messages]
            for name, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]}


def query_text(request: Request, name: str) -> str:
    """A query parameter's value ('' when absent); a NUL character, which no database stores, is a 400."""
    value = request.query_params.get(name) or ""
    if "\x00" in value:
        raise ValidationError({name: ["Must not contain NUL characters."]})
    return value.strip()


def find_achievement(issuer: Issuer, ref: str) -> Achievement | None:
    """The issuer's achievement by id, UUID or slug (badges.selectors), or None; never another issuer's."""
    ref = ref.strip()
    if not ref or "\x00" in ref:
        return None
    return achievement_for_issuer(issuer=issuer, ref=ref)


class IssuerApiView(APIView):
    """Issuer-scoped (IssuerAccess, deny by default): subclasses name `resource` and `write_actions`."""

    permission_classes = [IsAuthenticated, IssuerAccess]
    parser_classes = [JSONParser]
    resource = "issuer"
    write_actions: tuple[Action, ...] = (Action.EDIT_PROFILE,)
    issuer: Issuer

    def actor(self) -> Actor:
        """Who the services authorize and record as acting: the signed-in user (through their role), or the token
        (through its issuer and scopes, recorded as its creator with its label)."""
        token = token_of(self.request)
        if token is not None:
            return token_actor(token)
        return self.request.user

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """`queryset` filtered by the view's `filter_backends` (its `filterset_class`), as DRF's generic views do."""
        for backend in getattr(self, "filter_backends", []):
            queryset = backend().filter_queryset(self.request, queryset, self)
        return queryset

    def body(self, serializer_class: type, *, partial: bool = False) -> dict[str, Any]:
        """The JSON body, checked by `serializer_class` (400 when its shape is wrong)."""
        data = self.request.data
        if not isinstance(data, dict):
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: ["Expected a JSON object."]})
        form = serializer_class(data=data, partial=partial)
        form.is_valid(raise_exception=True)
        return dict(form.validated_data)


class IssuerApi(IssuerApiView):
    """The issuer's public profile: what credentials issued from now on carry."""

    resource = "issuer"
    write_actions = (Action.EDIT_PROFILE,)

    @extend_schema(
        operation_id="issuer_retrieve",
        summary="The issuer's profile, DID and DID document",
        responses={200: IssuerSerializer, **problems(*COMMON_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(IssuerSerializer(self.issuer).data)

    @extend_schema(
        operation_id="issuer_update",
        summary="Change the issuer's profile (only later credentials carry the new values)",
        request=IssuerUpdateSerializer,
        examples=[
            OpenApiExample(
                "Profile",
                request_only=True,
                value={"description": "Short courses in programming.", "url": "https://uni.example.org"},
            )
        ],
        responses={200: IssuerSerializer, **problems(400, 415, 422, *COMMON_ERRORS)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        fields = self.body(IssuerUpdateSerializer)
        if "other_identifiers" in fields:
            fields["other_identifiers"] = [dict(entry) for entry in fields["other_identifiers"]]
        try:
            issuer = issuer_update(issuer=self.issuer, actor=self.actor(), **fields)
        except DjangoValidationError as exc:
            raise unprocessable(django_errors(exc)) from exc
        except IssuerError as exc:
            raise field_problem(str(exc), None) from exc
        return Response(IssuerSerializer(issuer).data)
