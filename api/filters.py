"""The lists' filters in the API: the FilterSets of the apps that own the models (badges.filters), through
django-filter's DRF backend. An invalid value is a 400 problem whose `errors` name the parameter; drf-spectacular
documents the parameters from the FilterSet."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django_filters.rest_framework import DjangoFilterBackend


class IssuerFilterBackend(DjangoFilterBackend):
    """For issuer-scoped views (`view.issuer`): the FilterSet is built with the issuer, whose achievements, types
    and tags are the valid choices."""

    def get_filterset_kwargs(self, request: HttpRequest, queryset: QuerySet[Any], view: Any) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(request, queryset, view), "issuer": view.issuer}
