"""seed_demo's qualification: a nested rule, a learner who completed it through the real event path (commits and
tasks as in `make run`), a learner one badge short, and idempotence."""

from __future__ import annotations

import json
import uuid
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from badges.models import Achievement, Credential
from issuer.models import Issuer, SigningKey
from stacking.clr import clr_sign
from stacking.models import Qualification, StackedAward
from stacking.selectors import learner_progress

# Commits happen for real (transaction=True), so awards publish their events and stacking's task runs in-process.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("tasks_in_process")]


def _seed(settings, tmp_path) -> str:
    settings.DEMO_ADMIN_PASSWORD_FILE = str(tmp_path / "password")
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_the_demo_qualification_and_its_learners(settings, tmp_path):
    out = _seed(settings, tmp_path)

    qualification = Qualification.objects.select_related("achievement").get()
    target = qualification.achievement
    assert (target.slug, target.achievement_type) == ("data-analyst-certificate", "Certificate")
    slugs = {a.uuid: a.slug for a in Achievement.objects.all()}
    rule = qualification.rule
    assert rule["kind"] == "all"
    assert [slugs[uuid.UUID(c["achievement"])] for c in rule["children"][:2]] == [
        "python-basics",
        "sql-fundamentals",
    ]
    nested = rule["children"][2]
    assert (nested["kind"], nested["n"]) == ("at_least", 2)
    assert qualification.summary == (
        "all of Python Basics, SQL Fundamentals; at least 2 of Data Visualization, Dashboard Design, Data Storytelling"
    )

    # Ada completed it: the stacked credential came from the event path, with her four components as evidence.
    award = StackedAward.objects.get(qualification=qualification, recipient_email="ada@example.com")
    stacked = award.credential
    assert (stacked.source, stacked.status, stacked.achievement_id) == ("stacking", "active", target.pk)
    components = Credential.objects.filter(pk__in=award.components)
    assert sorted(c.achievement.slug for c in components) == [
        "dashboard-design",
        "data-visualization",
        "python-basics",
        "sql-fundamentals",
    ]
    assert len(clr_sign(stacked)["credentialSubject"]["verifiableCredential"]) == 5

    # Katherine is one badge short: exactly one component missing, nothing issued.
    standing = learner_progress(qualification, "katherine@example.com")
    assert standing.satisfied is False
    assert [m.achievement.slug for m in standing.needed] == ["sql-fundamentals"]
    assert [step.text for step in standing.steps] == ["Earn SQL Fundamentals."]
    assert not Credential.objects.filter(achievement=target, recipient_email="katherine@example.com").exists()

    assert "Qualification: Data Analyst Certificate = all of Python Basics, SQL Fundamentals; at least 2 of" in out
    assert f"ada@example.com completed it: {stacked.public_id}" in out
    assert "katherine@example.com is one badge short, missing: SQL Fundamentals." in out


def test_seeding_twice_adds_nothing(settings, tmp_path):
    first = _seed(settings, tmp_path)
    counts = (
        Qualification.objects.count(),
        Achievement.objects.count(),
        Credential.objects.count(),
        StackedAward.objects.exclude(credential=None).count(),
    )
    stacked = json.dumps(list(Credential.objects.filter(source="stacking").values_list("uuid", flat=True)), default=str)
    second = _seed(settings, tmp_path)
    assert (
        Qualification.objects.count(),
        Achievement.objects.count(),
        Credential.objects.count(),
        StackedAward.objects.exclude(credential=None).count(),
    ) == counts
    assert counts[0] == 1 and counts[3] == 1
    assert (
        json.dumps(list(Credential.objects.filter(source="stacking").values_list("uuid", flat=True)), default=str)
        == stacked
    )
    assert first.splitlines()[-3:] == second.splitlines()[-3:]


def test_seed_demo_prints_the_admin_and_keeps_what_exists(settings, tmp_path):
    out = _seed(settings, tmp_path)
    password = (tmp_path / "password").read_text().strip()
    assert f"password: {password}" in out
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert "Demo issuer 'demo'" in out
    assert "username: admin" in out
    counts = (Issuer.objects.count(), Credential.objects.count(), SigningKey.objects.count())
    _seed(settings, tmp_path)
    assert (Issuer.objects.count(), Credential.objects.count(), SigningKey.objects.count()) == counts
    assert Credential.objects.filter(status="revoked").count() == 1
    assert Credential.objects.filter(status="suspended").count() == 1
    assert Credential.objects.exclude(jws="").count() == 1
