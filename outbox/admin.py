from django.contrib import admin
from django.http import HttpRequest

from outbox.models import PendingTask


@admin.register(PendingTask)
class PendingTaskAdmin(admin.ModelAdmin):
    """What the broker is still owed, and why the last hand-over failed: to look at, not to change (the sweep and
    `manage.py outbox_sweep` hand the rows over)."""

    list_display = ["id", "task", "created_at", "attempts", "available_at", "last_error"]
    list_filter = ["task"]
    readonly_fields = ["task", "args", "created_at", "available_at", "attempts", "last_error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
