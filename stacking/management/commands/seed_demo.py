"""Demo data for a first look: an issuer, its staff, achievements, awards in every state and a stacking rule.
Idempotent: running it again changes nothing that exists. It lives in stacking, the highest app it needs."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from badges.baking import default_svg
from badges.models import Achievement, Alignment, Credential, CredentialStatus
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend
from issuer.images import image_store
from issuer.models import Issuer, IssuerMembership, KeyAlgorithm, KeyPurpose, SigningKey
from issuer.permissions import SystemActor
from issuer.services import issuer_create, issuer_update, membership_set, signing_key_create
from stacking.models import Qualification, StackedAward
from stacking.selectors import learner_progress
from stacking.services import qualification_save

ACHIEVEMENTS: list[dict[str, Any]] = [
    {
        "slug": "python-basics",
        "name": "Python Basics",
        "description": "Writes, tests and debugs small Python programs using the standard library.",
        "criteria_narrative": "Complete the eight Python Basics labs and pass the final assessment with at least 70%.",
        "achievement_type": "Course",
        "tags": ["python", "programming"],
        "credits_available": Decimal("3"),
        "field_of_study": "Computer Science",
        "human_code": "CS-101",
        "in_language": "en",
        "alignments": [
            {
                "target_name": "Software development",
                "target_url": "https://esco.ec.europa.eu/en/classification/skill?uri=http://data.europa.eu/esco/skill/ab8b4b3b-ea5e-4fbb-9a0d-9e8b4bcf6fa0",
                "target_framework": "ESCO",
                "target_type": "ceasn:Competency",
            },
        ],
        "result_descriptions": [
            {
                "name": "Final assessment",
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
                "requiredValue": "70",
            }
        ],
    },
    {
        "slug": "sql-fundamentals",
        "name": "SQL Fundamentals",
        "description": "Designs relational schemas and writes joins, aggregations and window queries.",
        "criteria_narrative": "Build and query a normalised database for a realistic case study.",
        "achievement_type": "Course",
        "tags": ["sql", "databases"],
        "credits_available": Decimal("3"),
        "human_code": "CS-140",
        "in_language": "en",
        "alignments": [
            {
                "target_name": "Query languages",
                "target_url": "https://example.org/frameworks/data/query-languages",
                "target_framework": "Data Skills Framework",
                "target_code": "DSF-2.1",
                "target_type": "CFItem",
            },
        ],
    },
    {
        "slug": "data-visualization",
        "name": "Data Visualization",
        "description": "Turns data into honest, readable charts and dashboards.",
        "criteria_narrative": "Publish a dashboard that answers three questions about an open data set.",
        "achievement_type": "Badge",
        "tags": ["visualization"],
        "credits_available": Decimal("2"),
        "validity_days": 3 * 365,
    },
    {
        "slug": "dashboard-design",
        "name": "Dashboard Design",
        "description": "Designs dashboards that decision makers read at a glance.",
        "criteria_narrative": "Redesign an existing dashboard and test it with three of its readers.",
        "achievement_type": "Badge",
        "tags": ["visualization", "dashboards"],
        "credits_available": Decimal("2"),
    },
    {
        "slug": "data-storytelling",
        "name": "Data Storytelling",
        "description": "Explains a finding with data: one message, the right chart, a clear narrative.",
        "criteria_narrative": "Present a data story to a non-specialist audience and answer their questions.",
        "achievement_type": "Badge",
        "tags": ["visualization", "communication"],
        "credits_available": Decimal("2"),
    },
    {
        "slug": "data-analyst-certificate",
        "name": "Data Analyst Certificate",
        "description": "Awarded to learners who complete the data analysis programme: Python, SQL and visualization.",
        "criteria_narrative": (
            "Earn Python Basics and SQL Fundamentals, and at least two of Data Visualization, Dashboard Design "
            "and Data Storytelling. Awarded automatically once the last one is earned."
        ),
        "criteria_url": "https://example.org/programmes/data-analyst",
        "achievement_type": "Certificate",
        "tags": ["data", "certificate"],
        "credits_available": Decimal("8"),
    },
]

AWARDS = [
    ("python-basics", "ada@example.com", "Ada Lovelace", None),
    ("sql-fundamentals", "ada@example.com", "Ada Lovelace", None),
    ("python-basics", "grace@example.com", "Grace Hopper", "both"),
    ("data-visualization", "alan@example.com", "Alan Turing", None),
    ("sql-fundamentals", "mallory@example.com", "Mallory", "revoke"),
    ("data-visualization", "eve@example.com", "Eve", "suspend"),
    # The Data Analyst Certificate (QUALIFICATION): Ada completes it, Katherine is one badge short (SQL).
    ("data-visualization", "ada@example.com", "Ada Lovelace", None),
    ("dashboard-design", "ada@example.com", "Ada Lovelace", None),
    ("python-basics", "katherine@example.com", "Katherine Johnson", None),
    ("data-visualization", "katherine@example.com", "Katherine Johnson", None),
    ("data-storytelling", "katherine@example.com", "Katherine Johnson", None),
]

# The stacked target and its nested rule: all of Python Basics, SQL Fundamentals; at least 2 of the three
# visualization badges. Created before the awards, so the stacked credential comes from the real event path.
QUALIFICATION: dict[str, Any] = {
    "target": "data-analyst-certificate",
    "all": ["python-basics", "sql-fundamentals"],
    "at_least": (2, ["data-visualization", "dashboard-design", "data-storytelling"]),
}
COMPLETED_LEARNER = "ada@example.com"
ONE_SHORT_LEARNER = "katherine@example.com"


# The demo issuer's logo: a monogram, self-contained like every accepted SVG.
DEMO_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
    b'<rect width="96" height="96" rx="16" fill="#0b57d0"/>'
    b'<text x="48" y="60" font-family="sans-serif" font-size="36" font-weight="bold" fill="#fff" '
    b'text-anchor="middle">DU</text></svg>'
)


# Demo data is the platform's own doing: every write is recorded under this cause (D34).
SEED = SystemActor("seed_demo")


class Command(BaseCommand):
    help = "Load demo data: the issuer 'demo', its keys, achievements, a few credentials and an admin user."

    def handle(self, *args: Any, **options: Any) -> None:
        password_note = self._admin()
        with transaction.atomic():
            issuer = Issuer.objects.filter(slug="demo").first()
            if issuer is None:
                issuer = issuer_create(
                    slug="demo",
                    name="Demo University",
                    description="A demonstration issuer of this Open Badges 3.0 platform.",
                    url="https://example.org/demo-university",
                    email="badges@example.org",
                    address_locality="Utrecht",
                    address_country="Netherlands",
                    address_country_code="NL",
                    actor=SEED,
                )
                issuer = issuer_update(issuer=issuer, image=ContentFile(DEMO_LOGO), actor=SEED)
            if not SigningKey.objects.filter(issuer=issuer, purpose=KeyPurpose.JWT).exists():
                signing_key_create(issuer=issuer, purpose=KeyPurpose.JWT, algorithm=KeyAlgorithm.RSA, actor=SEED)
            admin = get_user_model().objects.get(username="admin")
            if not IssuerMembership.objects.filter(issuer=issuer, user=admin).exists():
                membership_set(issuer=issuer, user=admin, role="owner", actor=SEED)
            achievements = {spec["slug"]: self._achievement(issuer, spec) for spec in ACHIEVEMENTS}
            qualification = self._qualification(issuer, achievements)
        for slug, email, name, action in AWARDS:
            fmt = "both" if action == "both" else None
            credential = credential_issue(
                request=AwardRequest(
                    achievement=achievements[slug],
                    email=email,
                    name=name,
                    format=fmt,
                    idempotency_key=f"seed-demo:{slug}:{email}",
                    valid_from=timezone.now() - timedelta(days=30),
                ),
                source="command",
                actor=SEED,
                notify=False,
            )
            if action == "revoke" and credential.status != CredentialStatus.REVOKED:
                credential_revoke(credential=credential, reason="Awarded by mistake (demo).", actor=SEED)
            if action == "suspend" and credential.status == CredentialStatus.ACTIVE:
                credential_suspend(credential=credential, reason="Under review (demo).", actor=SEED)
        count = Credential.objects.filter(issuer=issuer).count()
        self.stdout.write(f"Demo issuer 'demo' ({issuer.did}): {len(achievements)} achievements, {count} credentials.")
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/  username: admin  {password_note}")
        self._report_stacking(qualification)

    def _admin(self) -> str:
        user_model = get_user_model()
        password_file = Path(settings.DEMO_ADMIN_PASSWORD_FILE)
        if user_model.objects.filter(username="admin").exists():
            if password_file.is_file():
                return f"password: {password_file.read_text().strip()}"
            return "(password unchanged)"
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser("admin", "admin@example.org", password)
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        return f"password: {password} (kept in {password_file})"

    def _achievement(self, issuer: Issuer, spec: dict[str, Any]) -> Achievement:
        spec = dict(spec)
        alignments = spec.pop("alignments", [])
        achievement, created = Achievement.objects.get_or_create(issuer=issuer, slug=spec.pop("slug"), defaults=spec)
        if created:
            # A badge image of its own, so the demo's pages and credentials show images as real ones do.
            achievement.image = image_store(
                ContentFile(default_svg(achievement.name).encode("utf-8")), folder="achievements"
            )
            achievement.full_clean()
            achievement.save(update_fields=["image"])
            for position, alignment in enumerate(alignments):
                Alignment.objects.create(achievement=achievement, position=position, **alignment)
        return achievement

    def _qualification(self, issuer: Issuer, achievements: dict[str, Achievement]) -> Qualification:
        target = achievements[QUALIFICATION["target"]]
        existing = Qualification.objects.filter(achievement=target).first()
        if existing is not None:
            return existing

        def leaf(slug: str) -> dict[str, str]:
            return {"kind": "achievement", "achievement": str(achievements[slug].uuid)}

        n, options = QUALIFICATION["at_least"]
        rule = {
            "kind": "all",
            "children": [
                *(leaf(slug) for slug in QUALIFICATION["all"]),
                {"kind": "at_least", "n": n, "children": [leaf(slug) for slug in options]},
            ],
        }
        return qualification_save(issuer=issuer, achievement=target, rule=rule, actor=SEED)

    def _report_stacking(self, qualification: Qualification) -> None:
        name = qualification.achievement.name
        self.stdout.write(f"Qualification: {name} = {qualification.summary}.")
        award = StackedAward.objects.filter(
            qualification=qualification, recipient_email=COMPLETED_LEARNER, credential__isnull=False
        ).first()
        if award is not None and award.credential is not None:
            self.stdout.write(f"  {COMPLETED_LEARNER} completed it: {award.credential.public_id}")
        else:
            self.stdout.write(f"  {COMPLETED_LEARNER} completed it; the stacked credential is issued by the worker.")
        missing = ", ".join(m.achievement.name for m in learner_progress(qualification, ONE_SHORT_LEARNER).needed)
        self.stdout.write(
            f"  {ONE_SHORT_LEARNER} is one badge short, missing: {missing}. "
            f"Sign in as them at {settings.SITE_URL}/me/ (the link is e-mailed; by default printed on the console)."
        )
