"""Credentials the platform really issues (badges.services.credential_issue, with the database):
the fast path canonicalizes them, byte-identical to the reference path, and the signatures it
produced verify on the reference path."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from badges.models import Achievement, Alignment
from badges.services import AwardRequest, credential_issue
from badges.verify import verify_credential
from tests.actors import owner
from tests.verification.test_fast_path_support import fast, fast_reason, installed, labelling, reference
from verification import canon
from verification.canon import PyldCanonicalizer
from verification.suites import eddsa_rdfc
from verification.suites.base import ProofHashCache
from verification.suites.eddsa_rdfc import proof_configuration

pytestmark = pytest.mark.django_db


def _issue(achievement: Achievement, **kwargs: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"achievement": achievement, "email": "Learner@Example.com", "name": "Lea Rner"}
    params.update(kwargs)
    credential = credential_issue(request=AwardRequest(**params), source="ui", actor=owner(achievement.issuer))
    return json.loads(credential.document)


def _rich_achievement(issuer: Any) -> Achievement:
    achievement = Achievement.objects.create(
        issuer=issuer,
        slug="data-stewardship",
        name="Data Stewardship — Practitioner ✓",
        description='Curates data.\n\nDocuments it, too: «quoted» "text" and a backslash \\.',
        criteria_narrative="Pass **four** modules.\n* one\n* two",
        achievement_type="Certificate",
        tags=["data", "research", "data"],
        credits_available=2.5,
        field_of_study="Information science",
        human_code="DS-1",
        in_language="en",
        version="2",
        result_descriptions=[
            {"name": "Final score", "resultType": "Percent", "requiredValue": "80", "valueMin": "0", "valueMax": "100"},
            {"name": "Grade", "resultType": "LetterGrade", "allowedValue": ["A", "B", "C", "D"]},
        ],
    )
    for number in range(12):
        Alignment.objects.create(
            achievement=achievement,
            target_name=f"Skill {number} — Zoë",
            target_url=f"https://esco.example.org/skill/{number}",
            target_framework="ESCO",
            target_code=f"S{number}",
            target_description="Multi-line\ndescription",
        )
    return achievement


def _repeated_alignment(issuer: Any) -> Achievement:
    achievement = Achievement.objects.create(
        issuer=issuer, slug="twice", name="Twice", description="d", criteria_narrative="c"
    )
    for _ in range(2):
        Alignment.objects.create(
            achievement=achievement, target_name="Skill", target_url="https://esco.example.org/skill/1"
        )
    return achievement


def _check_issued(document: dict[str, Any], monkeypatch: Any) -> None:
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    (proof,) = document["proof"]  # the platform issues a one-item array
    config = proof_configuration(unsecured, proof)
    for part in (unsecured, config):
        assert fast(part) is not None, fast_reason(part)
        assert reference(part) == ("ok", fast(part))
    # Signed on the fast path (the default engine), verified on the reference path.
    monkeypatch.setattr(eddsa_rdfc, "_PROOF_HASHES", ProofHashCache(max_entries=0))
    with installed(PyldCanonicalizer()):
        report = verify_credential(json.dumps(document))
    assert report.valid, [check for check in report.checks if check.status == "failed"]


def test_issued_credentials_take_the_fast_path_and_verify_on_the_reference_path(
    issuer, achievement, monkeypatch
) -> None:
    assert isinstance(canon.get_canonicalizer(), canon.FastPathCanonicalizer)
    canon.reset_path_counts()
    documents = [
        _issue(achievement),
        _issue(achievement, name=""),
        _issue(
            achievement,
            evidence=[
                {
                    "id": "https://example.org/e/1",
                    "name": "Report",
                    "narrative": "Built\x0ba thing\n",
                    "genre": "Report",
                },
                {"narrative": "Second piece, no id", "description": "Zoë ✓"},
            ],
            valid_until=timezone.now() + timedelta(days=365),
        ),
        _issue(_rich_achievement(issuer), email="other@example.com", name="Zoë Ödegaard"),
        # Identical evidence entries without id, and an achievement aligned twice to the same
        # skill: blank nodes that share a first-degree hash (Hash N-Degree Quads, D25).
        _issue(
            _repeated_alignment(issuer),
            email="third@example.com",
            evidence=[{"narrative": "Same piece"}, {"narrative": "Same piece"}],
        ),
    ]
    counts = canon.path_counts()
    assert counts["reference"] == 0, canon.fallback_reasons()
    assert counts["fast"] >= len(documents)
    for document in documents:
        _check_issued(document, monkeypatch)
    unsecured = {key: value for key, value in documents[-1].items() if key != "proof"}
    runs = labelling(unsecured, 1)
    assert runs["fast"] == runs["reference"] and runs["reference"][3] > 0  # N-degree budget in use
