"""What the apps built on issuer add to its pages. issuer imports none of them (dependencies point one way:
docs/architecture.md), so they register here when they start, in their AppConfig.ready().

Three kinds: sections of the issuer dashboard (badges adds the credential figures), counters of the signatures a
key made (the key-compromise page tells the owner how many credentials stop verifying), and the names of the objects
an audit row is about (the audit log says "revoked Jane Doe's “Python Foundations”", not "credential 42").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Model, QuerySet
from django.db.models.functions import Cast

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


@dataclass(frozen=True)
class AuditSubjects:
    """What the audit log knows of one type of object an app stores (`object_type`, as AuditEvent records it: the
    model's name in lower case).

    `names(issuer, ids)`: for the object ids (AuditEvent.object_id) of one page of the log, each object's names in
    the words issuer.audit_sentences uses ("recipient", "achievement", "file"...); an id may be missing (deleted).
    `search(issuer, text)`: the ids, as text, of the issuer's objects whose recipient or achievement matches `text`
    (a flat values_list queryset, used as a subquery); None when the type has nothing to search by."""

    object_type: str
    names: Callable[[Issuer, list[str]], dict[str, dict[str, str]]]
    search: Callable[[Issuer, str], QuerySet[Any]] | None = None


_audit_subjects: dict[str, AuditSubjects] = {}


def register_audit_subjects(subjects: AuditSubjects) -> None:
    """Name the objects of `subjects.object_type` in the audit log (a second registration replaces the first)."""
    _audit_subjects[subjects.object_type] = subjects


def audit_subjects() -> dict[str, AuditSubjects]:
    return dict(_audit_subjects)


def audit_names(
    objects: QuerySet[Any], ids: list[str], describe: Callable[[Any], dict[str, str]]
) -> dict[str, dict[str, str]]:
    """For AuditSubjects.names: `describe(obj)` of each of `objects` whose primary key is among the audit ids."""
    keys = [int(value) for value in ids if value.isascii() and value.isdigit() and len(value) <= 18]
    return {str(obj.pk): describe(obj) for obj in objects.filter(pk__in=keys)}


def audit_ids(objects: QuerySet[Any]) -> QuerySet[Any]:
    """For AuditSubjects.search: the primary keys of `objects` as the text AuditEvent.object_id holds."""
    return objects.annotate(audit_object_id=Cast("pk", CharField())).values_list("audit_object_id", flat=True)


def audit_subject_of(model: type[Model]) -> str:
    """The object_type audit rows record for `model` (issuer.services.audit_record)."""
    return model.__name__.lower()
