"""Reading audit rows back as the audit log page words them (issuer.selectors.audit_lines)."""

from __future__ import annotations

from issuer.models import Issuer
from issuer.selectors import audit_events, audit_lines
from tests.actors import owner


def said(issuer: Issuer, action: str) -> list[str]:
    """The sentences of the issuer's rows of `action`, newest first."""
    events = audit_events(issuer, viewer=owner(issuer)).filter(action=action)
    return [line.sentence for line in audit_lines(issuer, events)]
