"""limit/offset pages: `?limit=` (default 50, at most 200; more is cut to 200) and `?offset=`; the body carries
`count`, `next`, `previous` and `results`, and the header `X-Total-Count` the count. A limit below 1, a negative
offset or a non-number is a 400 naming the parameter; an offset past the end is an empty page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class ApiPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200
    # Set by paginate_queryset before a link is built, and never None here (get_limit and get_offset always
    # answer a number).
    limit: int
    offset: int
    count: int
    request: Request

    def _param(self, request: Request, name: str, default: int, minimum: int) -> int:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValidationError({name: [f"{name} must be a whole number."]}) from None
        if value < minimum:
            raise ValidationError({name: [f"{name} must be at least {minimum}."]})
        return value

    def get_limit(self, request: Request) -> int:
        return min(self._param(request, self.limit_query_param, self.default_limit, 1), self.max_limit)

    def get_offset(self, request: Request) -> int:
        return self._param(request, self.offset_query_param, 0, 0)

    def _url(self) -> str:
        # Links name the public address (SITE_URL), as every URL the platform hands out does.
        return f"{settings.SITE_URL}{self.request.get_full_path()}"

    def get_next_link(self) -> str | None:
        if self.offset + self.limit >= self.count:
            return None
        url = replace_query_param(self._url(), self.limit_query_param, self.limit)
        return replace_query_param(url, self.offset_query_param, self.offset + self.limit)

    def get_previous_link(self) -> str | None:
        if self.offset <= 0:
            return None
        url = replace_query_param(self._url(), self.limit_query_param, self.limit)
        if self.offset - self.limit <= 0:
            return remove_query_param(url, self.offset_query_param)
        return replace_query_param(url, self.offset_query_param, self.offset - self.limit)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response["X-Total-Count"] = str(self.count)
        return response
