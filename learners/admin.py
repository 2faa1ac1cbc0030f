from django.contrib import admin
from django.http import HttpRequest

from learners.models import LearnerProfile


@admin.register(LearnerProfile)
class LearnerProfileAdmin(admin.ModelAdmin):
    """Learners manage their own profile; operators can look it up (for support), not change it."""

    list_display = ["email", "slug", "is_public", "created_at"]
    list_filter = ["is_public"]
    search_fields = ["email", "slug"]
    readonly_fields = ["email", "slug", "is_public", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
