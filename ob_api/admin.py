from django.contrib import admin
from django.http import HttpRequest

from ob_api.models import ClientRegistration, StoredCredential


@admin.register(ClientRegistration)
class ClientRegistrationAdmin(admin.ModelAdmin):
    """Wallets register themselves (RFC 7591); operators can look them up. To cut one off, delete its
    OAuth application (django-oauth-toolkit's admin): its tokens go with it."""

    list_display = ["application", "software_id", "software_version", "client_uri", "created_at"]
    search_fields = ["application__name", "application__client_id", "software_id", "client_uri"]
    list_select_related = ["application"]
    readonly_fields = [field.name for field in ClientRegistration._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StoredCredential)
class StoredCredentialAdmin(admin.ModelAdmin):
    """What learners stored through the API: for support, read-only."""

    list_display = ["credential_id", "learner_email", "issuer_id", "achievement_name", "format", "stored_at"]
    list_filter = ["format"]
    search_fields = ["learner_email", "credential_id", "issuer_id"]
    readonly_fields = [field.name for field in StoredCredential._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
