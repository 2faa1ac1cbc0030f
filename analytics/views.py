"""The issuer's analytics as CSV (the dashboard draws them: analytics.selectors.analytics_figures)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from analytics.selectors import EXPORT_COLUMNS, analytics_export
from badges.exports import csv_chunks
from issuer.models import Issuer
from issuer.permissions import Action, issuer_required


@require_safe
@issuer_required(Action.VIEW)
def analytics_csv(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponseBase:
    """Every daily count of the issuer (day, achievement, kind, count), streamed, each cell guarded against being
    read as a formula (badges.exports.safe_cell)."""
    rows = analytics_export(issuer=issuer, actor=request.user)
    response = StreamingHttpResponse(csv_chunks(EXPORT_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    day = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="{issuer.slug}-analytics-{day}.csv"'
    response["Cache-Control"] = "no-store"
    return response
