from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from api.models import ApiToken
from api.services import token_revoke
from issuer.permissions import SystemActor


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read and revoke only: a token is created with `manage.py create_api_token`, which shows it once."""

    list_display = ["prefix", "name", "issuer", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["issuer", "created_by"]
    search_fields = ["prefix", "name", "issuer__slug"]
    readonly_fields = [
        "issuer",
        "name",
        "prefix",
        "secret_hash",
        "scopes",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked, not deleted: the audit trail names it

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            # The Django admin is the platform's own tool (D12): it acts as the platform, recorded under the
            # signed-in admin.
            on_behalf_of = request.user if request.user.is_authenticated else None
            token_revoke(token=token, actor=SystemActor("admin", on_behalf_of=on_behalf_of))
        messages.success(request, f"Revoked {queryset.count()} token(s).")
