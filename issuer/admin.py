from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from issuer.models import AuditEvent, Invitation, Issuer, IssuerMembership, SigningKey


class MembershipInline(admin.TabularInline):
    model = IssuerMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "email", "created_at"]
    search_fields = ["name", "slug", "email"]
    inlines = [MembershipInline]
    readonly_fields = ["did", "created_at", "updated_at"]

    @admin.display(description="DID")
    def did(self, obj: Issuer) -> str:
        return obj.did


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    """Keys are made and retired by services (rotate_key, the issuer UI); admin only shows them."""

    list_display = ["issuer", "key_id", "purpose", "algorithm", "state", "created_at"]
    list_filter = ["purpose", "algorithm", "state"]
    list_select_related = ["issuer"]
    exclude = ["encrypted_private_key"]
    readonly_fields = [f.name for f in SigningKey._meta.fields if f.name != "encrypted_private_key"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "issuer", "action", "object_type", "object_id", "actor", "actor_label"]
    list_filter = ["action"]
    list_select_related = ["issuer", "actor"]
    search_fields = ["object_id", "action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made and accepted in the issuer UI; admin only lists them (the token is never stored)."""

    list_display = ["email", "issuer", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    list_select_related = ["issuer"]
    search_fields = ["email", "issuer__slug"]
    exclude = ["token_hash"]
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "token_hash"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
