from django.contrib import admin
from django.http import HttpRequest

from backpack.models import BackpackSend, HostRegistration


@admin.register(HostRegistration)
class HostRegistrationAdmin(admin.ModelAdmin):
    """Our registrations at learners' hosts, read-only. Deleting one makes the next send there register again (for
    a host that dropped us, or a secret that leaked)."""

    list_display = ["registration_url", "client_id", "auth_method", "secret_expires_at", "created_at"]
    search_fields = ["registration_url", "client_id"]
    readonly_fields = [field.name for field in HostRegistration._meta.fields if field.name != "client_secret_encrypted"]
    exclude = ["client_secret_encrypted"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BackpackSend)
class BackpackSendAdmin(admin.ModelAdmin):
    """Where learners sent their credentials and what the hosts answered: for support, read-only."""

    list_display = ["credential", "learner_email", "host", "outcome", "host_status", "started_at", "finished_at"]
    list_filter = ["outcome"]
    search_fields = ["learner_email", "host", "credential__uuid"]
    list_select_related = ["credential__achievement"]
    exclude = ["state_hash", "code_verifier_encrypted"]
    readonly_fields = [
        field.name for field in BackpackSend._meta.fields if field.name not in ("state_hash", "code_verifier_encrypted")
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
