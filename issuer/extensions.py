"""What the apps built on issuer add to its pages. issuer imports none of them (dependencies point one way:
docs/architecture.md), so they register here when they start, in their AppConfig.ready().

Two kinds: sections of the issuer dashboard (badges adds the credential figures), and counters of the signatures a
key made (the key-compromise page tells the owner how many credentials stop verifying).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from issuer.models import Issuer, SigningKey


@dataclass(frozen=True)
class DashboardPanel:
    """A section of the dashboard: `template` is included with the names `figures(issuer)` returns added to the
    page's context."""

    template: str
    figures: Callable[[Issuer], dict[str, Any]]


_dashboard_panels: list[DashboardPanel] = []
_signature_counters: list[Callable[[SigningKey], int]] = []


def register_dashboard_panel(panel: DashboardPanel) -> None:
    """Add a section to the dashboard, after those registered before (once, however often `ready()` runs)."""
    if panel not in _dashboard_panels:
        _dashboard_panels.append(panel)


def dashboard_panels() -> list[DashboardPanel]:
    return list(_dashboard_panels)


def register_signature_counter(counter: Callable[[SigningKey], int]) -> None:
    """Count, for the key pages, what an app stores that carries a signature by a key."""
    if counter not in _signature_counters:
        _signature_counters.append(counter)


def signatures_by(key: SigningKey) -> int:
    """How many credentials carry a signature by `key`, as the apps that store them count."""
    return sum(counter(key) for counter in _signature_counters)
