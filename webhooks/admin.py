from django.contrib import admin
from django.http import HttpRequest

from webhooks.models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "issuer", "active", "consecutive_failures", "created_at")
    list_filter = ("active",)
    list_select_related = ("issuer",)
    search_fields = ("url", "issuer__slug")
    exclude = ("secret_encrypted",)  # encrypted, and never shown again after creation
    readonly_fields = ("uuid", "issuer", "created_by", "created_at", "disabled_at", "disabled_reason")
    raw_id_fields = ("issuer", "created_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Made by webhooks.services.endpoint_create only: it makes the secret (never stored in clear) and checks the
        # URL; an endpoint added here would have neither.
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_type", "endpoint", "state", "attempts", "last_status_code", "created_at")
    list_filter = ("state", "event_type")
    list_select_related = ("endpoint",)
    raw_id_fields = ("endpoint",)
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by events only: an empty one failed in the database (no payload)
