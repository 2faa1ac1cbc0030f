"""Reads of webhook endpoints for other apps' pages: how the audit log names an endpoint."""

from __future__ import annotations

from issuer.extensions import AuditSubjects, audit_names, audit_subject_of
from issuer.models import Issuer
from webhooks.models import WebhookEndpoint


def _endpoint_audit_names(issuer: Issuer, ids: list[str]) -> dict[str, dict[str, str]]:
    return audit_names(WebhookEndpoint.objects.filter(issuer=issuer).only("url"), ids, lambda e: {"url": e.url})


AUDIT_SUBJECTS = AuditSubjects(audit_subject_of(WebhookEndpoint), _endpoint_audit_names)
