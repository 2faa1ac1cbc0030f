"""One world for the authorization tests (tests/test_authorization_matrix.py, tests/test_service_authorization.py):
issuer A with one object of every kind and a user in each of its roles, issuer B with its own owner, a platform
superuser, a learner, and the sessions and tokens they act with.

Built once per module through the real services (every write checked, D34), inside a transaction the module
rolls back at its end; each test then runs in a savepoint of its own (pytest-django's `db`), so what a request
changes is gone for the next one.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

ROLES = ("owner", "editor", "awarder", "viewer")
LEARNER_EMAIL = "lea@example.org"
COHORT = b"email,name,external_id\nada@example.org,Ada,S-1\nbob@,Bob,S-2\ncy@example.org,Cy,S-3\n"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "#0b57d0").save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class World:
    """What the requests and service calls name. `users`: owner, editor, awarder, viewer (of A), stranger (B's
    owner), root (platform superuser, no role anywhere)."""

    a: Any
    b: Any
    users: dict[str, User]
    objects: dict[str, Any] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # identity -> session key
    bearer: dict[str, str] = field(default_factory=dict)  # identity -> Authorization header value
    media_root: Path | None = None

    def fresh(self, name: str) -> Any:
        """The object as stored now: services change the instances they are given (a deleted endpoint loses its
        key), and the next call must not inherit that."""
        stored = self.objects[name]
        return type(stored)._default_manager.get(pk=stored.pk)


def _session_of(user: User) -> str:
    client = Client()
    client.force_login(user, backend="accounts.backends.UsernameOrEmailBackend")
    return client.session.session_key or ""


def _learner_session(email: str) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    from learners.views import LEARNER_SESSION_KEY

    store = SessionStore()
    store[LEARNER_SESSION_KEY] = email
    store.create()
    return store.session_key or ""


def build_world(media_root: Path) -> World:
    from api.services import token_create
    from badges.achievements import achievement_create
    from badges.endorsements import endorsement_give
    from badges.services import AwardRequest, credential_issue
    from bulk.jobs import bulk_job_create, bulk_job_finish, bulk_job_process_chunk, bulk_job_start
    from issuer.models import Invitation, KeyPurpose, KeyState, SigningKey
    from issuer.permissions import SystemActor
    from issuer.services import issuer_create, membership_set, staff_invite
    from learners.models import SignInToken
    from learners.services import learner_profile_get_or_create, learner_profile_publish_set
    from ob_api.services import learner_api_profile_put, learner_user_get_or_create
    from stacking.models import StackedAward
    from stacking.services import partnership_request, qualification_save, stacking_evaluate
    from webhooks.services import endpoint_create

    make_user = get_user_model().objects.create_user
    users = {role: make_user(f"a-{role}", f"{role}@acme.example.org", f"pw-{role}-123456") for role in ROLES}
    users["stranger"] = make_user("b-owner", "owner@globex.example.org", "pw-stranger-123456")
    users["root"] = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-123456")
    owner = users["owner"]

    a = issuer_create(
        slug="acme", name="Acme Academy", owner=owner, actor=SystemActor("test setup", on_behalf_of=owner)
    )
    b = issuer_create(
        slug="globex",
        name="Globex Institute",
        owner=users["stranger"],
        actor=SystemActor("test setup", on_behalf_of=users["stranger"]),
    )
    for role in ("editor", "awarder", "viewer"):
        membership_set(issuer=a, user=users[role], role=role, actor=owner)

    with override_settings(MEDIA_ROOT=media_root):
        component = achievement_create(
            issuer=a,
            actor=owner,
            data={
                "name": "Python Basics",
                "description": "Writes small programs.",
                "criteria_narrative": "Pass the test.",
                "image": SimpleUploadedFile("badge.png", _png(), content_type="image/png"),
            },
        )
        target = achievement_create(
            issuer=a,
            actor=owner,
            data={"name": "Analyst", "description": "Data work.", "criteria_narrative": "Hold the basics."},
        )
        credential = credential_issue(
            request=AwardRequest(achievement=component, email=LEARNER_EMAIL, name="Lea Rner"),
            source="ui",
            actor=owner,
            notify=False,
        )
        qualification = qualification_save(
            issuer=a,
            achievement=target,
            rule={"kind": "achievement", "achievement": str(component.uuid)},
            actor=owner,
        )
        assert stacking_evaluate(qualification=qualification, email=LEARNER_EMAIL) == "issued"
        stacked = StackedAward.objects.get(qualification=qualification).credential
        # A finished job (its results file written), through the same steps the worker takes.
        job, _ = bulk_job_create(issuer=a, data=COHORT, filename="cohort.csv", achievement=component, actor=owner)
        bulk_job_start(job=job, actor=owner)
        while bulk_job_process_chunk(job_id=job.pk):
            pass
        job = bulk_job_finish(job_id=job.pk)
        assert job.status == "finished", job.status
        b_achievement = achievement_create(
            issuer=b,
            actor=users["stranger"],
            data={"name": "Globex Badge", "description": "Theirs.", "criteria_narrative": "Theirs."},
        )
        b_credential = credential_issue(
            request=AwardRequest(achievement=b_achievement, email=LEARNER_EMAIL),
            source="ui",
            actor=users["stranger"],
            notify=False,
        )
    endpoint, _ = endpoint_create(
        issuer=a, url="https://hooks.example.org/acme", events=["credential.issued"], actor=owner
    )
    invitation = staff_invite(issuer=a, email="newcomer@example.org", role="viewer", actor=owner)
    assert isinstance(invitation, Invitation)
    invitation_token = secrets.token_urlsafe(16)  # the e-mailed token is not kept: give the row a known one
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=Invitation.hash_token(invitation_token))
    token, token_secret = token_create(issuer=a, name="ci", actor=owner)
    _, read_secret = token_create(
        issuer=a, name="read", scopes=["issuer:read", "achievements:read", "credentials:read", "bulk:read",
                                        "stacking:read"], actor=owner
    )  # fmt: skip
    _, b_secret = token_create(issuer=b, name="theirs", actor=users["stranger"])
    partnership = partnership_request(issuer=b, partner=a, actor=users["stranger"])  # A decides
    # B endorses A's achievement (A decides), and A endorses B's (A may withdraw it).
    endorsement = endorsement_give(
        endorser=b, issuer=a, achievement=component, comment="Sound.", actor=users["stranger"]
    )
    endorsement_given = endorsement_give(endorser=a, issuer=b, achievement=b_achievement, comment="Solid.", actor=owner)
    key = SigningKey.objects.get(issuer=a, purpose=KeyPurpose.DATA_INTEGRITY, state=KeyState.ACTIVE)

    learner_api_profile_put(
        email=LEARNER_EMAIL, document={"id": "https://wallet.example.org/lea", "type": "Profile", "name": "Lea"}
    )
    profile = learner_profile_get_or_create(email=LEARNER_EMAIL)
    learner_profile_publish_set(profile=profile, public=True)
    sign_in_token = secrets.token_urlsafe(16)
    now = timezone.now()
    SignInToken.objects.create(
        email=LEARNER_EMAIL,
        token_hash=SignInToken.hash_token(sign_in_token),
        created_at=now,
        expires_at=now + timedelta(minutes=30),
    )

    world = World(a=a, b=b, users=users, media_root=media_root)
    world.objects = {
        "achievement": component,
        "target": target,
        "credential": credential,
        "b_achievement": b_achievement,
        "b_credential": b_credential,
        "stacked": stacked,
        "qualification": qualification,
        "job": job,
        "endpoint": endpoint,
        "invitation": invitation,
        "invitation_token": invitation_token,
        "token": token,
        "key": key,
        "membership": a.memberships.get(user=users["viewer"]),
        "partnership": partnership,
        "endorsement": endorsement,
        "endorsement_given": endorsement_given,
        "learner_profile": profile,
        "sign_in_token": sign_in_token,
        "reset_uid": urlsafe_base64_encode(force_bytes(owner.pk)),
        "reset_token": default_token_generator.make_token(owner),
        "media_name": component.image.name,
    }
    world.sessions = {name: _session_of(user) for name, user in users.items()}
    world.sessions["learner"] = _learner_session(LEARNER_EMAIL)
    world.bearer = {
        "a-token": f"Bearer {token_secret}",
        "a-read-token": f"Bearer {read_secret}",
        "b-token": f"Bearer {b_secret}",
        "oauth-learner": f"Bearer {_oauth_token(learner_user_get_or_create(email=LEARNER_EMAIL))}",
    }
    return world


def _oauth_token(user: User) -> str:
    """An access token of a wallet for the learner, with every OB API scope (as the consent would give)."""
    from oauth2_provider.models import get_access_token_model, get_application_model

    from ob_api.views import OB_SCOPES

    application = get_application_model().objects.create(
        name="Matrix wallet",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="https://wallet.example.org/callback",
    )
    raw = secrets.token_urlsafe(24)
    get_access_token_model().objects.create(
        user=user,
        application=application,
        token=raw,
        expires=timezone.now() + timedelta(hours=1),
        scope=" ".join(OB_SCOPES),
    )
    return raw


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    """The world of a test module (`world = authz_world.world` there), committed to nothing: everything it made
    is rolled back after the module's last test."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield build_world(tmp_path_factory.mktemp("media"))
        transaction.set_rollback(True)


@pytest.fixture(autouse=True, name="_media_in_tmp")
def media_of_the_world(settings: Any, world: World) -> None:
    """Its images and results files, not the empty folder the suite gives every other test (`_media_in_tmp`
    there, which this replaces)."""
    settings.MEDIA_ROOT = world.media_root


def client_for(world: World, identity: str | None) -> Client:
    """A test client acting as `identity`: None (anonymous), a user or "learner" (their session), or a bearer
    token ("a-token", "a-read-token", "b-token", "oauth-learner")."""
    from django.conf import settings

    if identity in world.bearer:
        return Client(headers={"Authorization": world.bearer[identity]})
    client = Client()
    if identity is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[identity]
    return client
