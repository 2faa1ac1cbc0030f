from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from badges.models import Achievement, Alignment, Credential, StatusList


class AlignmentInline(admin.TabularInline):
    model = Alignment
    extra = 0


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ["name", "issuer", "achievement_type", "version", "archived"]
    list_filter = ["achievement_type", "archived"]
    list_select_related = ["issuer"]
    search_fields = ["name", "slug", "human_code"]
    inlines = [AlignmentInline]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Credentials are issued and revoked through services; the signed document is never edited."""

    list_display = ["uuid", "achievement", "recipient_email", "status", "source", "created_at"]
    list_filter = ["status", "source"]
    list_select_related = ["achievement", "issuer"]
    search_fields = ["uuid", "recipient_email"]
    readonly_fields = [f.name for f in Credential._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    list_display = ["issuer", "purpose", "sequence", "allocated", "version", "signed_version"]
    exclude = ["bits"]
    readonly_fields = ["issuer", "purpose", "sequence", "allocated", "version", "signed_version", "signed_document"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
