"""Request bodies of an award's later life in the integrator API: renew, correct (badges.lifecycle, D64)."""

from __future__ import annotations

from datetime import datetime

from rest_framework import serializers

from api.serializers import StrictSerializer
from api.serializers_manage import _check_date


class RenewInputSerializer(StrictSerializer):
    valid_until = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="The renewal's end: later than the credential's. Default: one more validity period (the "
        "achievement's, else the credential's own length) from the later of now and the current end.",
    )

    def validate_valid_until(self, value: datetime | None) -> datetime | None:
        return _check_date(value)


class CorrectInputSerializer(StrictSerializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The recipient's name as the replacement should carry it; absent: unchanged, empty: no name.",
    )
    achievement = serializers.CharField(
        required=False,
        max_length=100,
        help_text="Id, UUID or slug of the issuer's achievement the replacement names, in its current version; "
        "absent: the same achievement (its current version).",
    )
