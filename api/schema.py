"""drf-spectacular extensions: the token scheme, and the public verifier (badges.api_verify) described from here so
that the schema covers it without changing it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiViewExtension,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema

from badges.api_verify import VerifyReportSerializer
from config.problems import PROBLEM_CONTENT_TYPE as PROBLEM


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "obp_<prefix>_<secret>",
            "description": "A per-issuer API token (manage.py create_api_token); scopes limit what it may do.",
        }


class VerifyApiSchema(OpenApiViewExtension):
    target_class = "badges.api_verify.VerifyApi"

    def view_replacement(self) -> type:
        class Fixed(self.target_class):  # type: ignore[name-defined]
            @extend_schema(
                operation_id="verify",
                summary="Verify one Open Badges 3.0 credential or 2.0 assertion (docs/api-verify.md)",
                auth=[],
                parameters=[
                    OpenApiParameter("recipient", str, description="E-mail the credential should name."),
                    OpenApiParameter(
                        "Accept-Language",
                        str,
                        location=OpenApiParameter.HEADER,
                        description="The language of `headline` and of the words in `facts`: `en` (the default) "
                        "or `de`; the answer's `Content-Language` names the one used. The checks' `message` stays "
                        "English, and no `id` or `code` changes.",
                    ),
                ],
                request={
                    "application/json": OpenApiTypes.OBJECT,
                    "application/ld+json": OpenApiTypes.OBJECT,
                    "application/vc+ld+json": OpenApiTypes.OBJECT,
                    "application/jwt": OpenApiTypes.STR,
                    "text/plain": OpenApiTypes.STR,
                    "multipart/form-data": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    },
                },
                responses={
                    200: OpenApiResponse(
                        VerifyReportSerializer,
                        description="The verification report, with `headline` and `facts` in the request's language.",
                    ),
                    (400, PROBLEM): OpenApiResponse(OpenApiTypes.OBJECT, description="A problem (RFC 9457)."),
                    (413, PROBLEM): OpenApiResponse(OpenApiTypes.OBJECT, description="A problem (RFC 9457)."),
                    (415, PROBLEM): OpenApiResponse(OpenApiTypes.OBJECT, description="A problem (RFC 9457)."),
                    (429, PROBLEM): OpenApiResponse(OpenApiTypes.OBJECT, description="A problem (RFC 9457)."),
                },
            )
            def post(self, request: Any) -> Any:
                return super().post(request)

        return Fixed


class StrictSerializerSchema(OpenApiSerializerExtension):
    """api.serializers.StrictSerializer refuses members it does not know: the request schema says so
    (`additionalProperties: false`), so that clients and schemathesis know what a valid body is."""

    target_class = "api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
