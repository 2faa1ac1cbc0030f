"""What the achievement page tests share: media in a temporary folder, URLs, form data, audit rows."""

from __future__ import annotations

import io

from django.urls import reverse
from PIL import Image

from badges.models import Achievement, Alignment
from badges.services import AwardRequest, credential_issue
from issuer.models import AuditEvent
from tests.actors import owner

EVERYONE = [None, "stranger", "owner", "editor", "awarder", "viewer"]
VIEWERS = {"owner", "editor", "awarder", "viewer"}
EDITORS = {"owner", "editor"}


def _url(name, issuer, *args):
    return reverse(f"badges:{name}", args=[issuer.slug, *args])


def _issue(achievement, email="learner@example.com"):
    return credential_issue(
        request=AwardRequest(achievement=achievement, email=email),
        source="ui",
        actor=owner(achievement.issuer),
        notify=False,
    )


def _png(width=8, height=8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#0b57d0").save(buffer, "PNG")
    return buffer.getvalue()


def _rows(prefix, rows, initial=0):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def _create_data(alignments=(), results=(), **overrides):
    data = {
        "name": "Data Ethics",
        "slug": "",
        "description": "Reasons about the ethics of data use.",
        "criteria_narrative": "Write an **essay**.",
        "criteria_url": "",
        "image_caption": "",
        "achievement_type": "Course",
        "achievement_type_extension": "",
        "tags": "ethics, data",
        "credits_available": "2.5",
        "field_of_study": "Philosophy",
        "human_code": "PH-210",
        "specialization": "Applied ethics",
        "in_language": "en",
        "version": "1",
        "validity_days": "",
        "action": "save",
    }
    data.update(_rows("alignments", list(alignments)))
    data.update(_rows("results", list(results)))
    data.update(overrides)
    return data


def _edit_data(achievement, **overrides):
    """What the edit page posts back when nothing is touched."""
    from badges.forms_achievements import AchievementForm, ResultDescriptionForm

    initial = AchievementForm.initial_for(achievement)
    data = {k: "" if v is None else str(v) for k, v in initial.items() if k != "image"}
    alignments = [
        {
            "target_name": a.target_name,
            "target_url": a.target_url,
            "target_framework": a.target_framework,
            "target_code": a.target_code,
            "target_type": a.target_type,
            "target_type_extension": "",
            "target_description": a.target_description,
        }
        for a in achievement.alignments.all()
    ]
    results = [ResultDescriptionForm.initial_for(r) for r in achievement.result_descriptions]
    data.update(_rows("alignments", alignments, initial=len(alignments)))
    data.update(_rows("results", results, initial=len(results)))
    data["action"] = "save"
    data.update(overrides)
    return data


def _state():
    """Everything a denied write must leave as it was."""
    return (
        list(Achievement.objects.order_by("pk").values()),
        list(Alignment.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def _audit(action):
    return list(AuditEvent.objects.filter(action=action).values_list("object_id", "actor__username", "data"))
