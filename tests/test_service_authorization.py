"""Every write service checks its actor itself (D34), whoever calls it: a view, the API, a task, a command. Each is
called with every kind of actor that must be refused — no one, an anonymous visitor, another issuer's owner, a
platform superuser, each role of the issuer without the service's actions, an API token without them, another
issuer's token — and must refuse before it writes anything; and with each actor that may, and must not refuse.
Objects of another issuer are refused with the issuer's own authorization (tenant isolation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction

from api.models import ApiToken
from api.services import token_create, token_revoke
from badges.achievements import (
    AchievementInUse,
    achievement_archive,
    achievement_create,
    achievement_delete,
    achievement_unarchive,
    achievement_update,
)
from badges.endorsements import (
    EndorsementError,
    endorsement_add,
    endorsement_decide,
    endorsement_give,
    endorsement_withdraw,
)
from badges.lifecycle import credential_correct, credential_renew, credential_resend
from badges.models import Achievement, Credential, CredentialStatus, Endorsement
from badges.services import (
    AwardRequest,
    CredentialError,
    credential_issue,
    credential_issue_many,
    credential_revoke,
    credential_revoke_many,
    credential_suspend,
    credential_unsuspend,
)
from bulk.jobs import (
    BulkJobError,
    bulk_job_cancel,
    bulk_job_create,
    bulk_job_create_from_upload,
    bulk_job_pause,
    bulk_job_start,
    bulk_job_undo,
    bulk_upload_keep,
)
from bulk.models import BulkJob
from issuer.models import AuditEvent, Invitation, IssuerMembership, KeyAlgorithm, KeyPurpose, SigningKey
from issuer.permissions import ROLE_ACTIONS, STACKING_WRITE, Action, NotAuthorized, ScopedActor, SystemActor
from issuer.services import (
    IssuerError,
    invitation_revoke,
    issuer_create,
    issuer_key_rotate,
    issuer_update,
    membership_remove,
    membership_set,
    signing_key_create,
    signing_key_mark_compromised,
    staff_invite,
)
from stacking.models import Partnership, Qualification
from stacking.services import (
    StackingError,
    partnership_answer,
    partnership_request,
    qualification_apply,
    qualification_deactivate,
    qualification_save,
)
from tests import authz_world
from tests.authz_world import COHORT, ROLES, World
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    endpoint_create,
    endpoint_delete,
    endpoint_enable,
    endpoint_rotate_secret,
    endpoint_send_ping,
    endpoint_update,
)

VIEW, EDIT, AWARD = Action.VIEW, Action.EDIT_ACHIEVEMENTS, Action.AWARD
KEYS, STAFF, PROFILE = Action.MANAGE_KEYS, Action.MANAGE_STAFF, Action.EDIT_PROFILE
# What a permitted call may still answer: the service's own domain refusals, after authorization.
DOMAIN_ERRORS = (
    IssuerError, CredentialError, BulkJobError, StackingError, AchievementInUse, ValidationError, EndorsementError
)  # fmt: skip
MODELS = (
    AuditEvent, IssuerMembership, Invitation, SigningKey, Achievement, Credential, BulkJob, Qualification,
    Partnership, WebhookEndpoint, WebhookDelivery, ApiToken, Endorsement,
)  # fmt: skip

Call = Callable[[World, Any], Any]


def _issue(w: World, actor: Any) -> Any:
    request = AwardRequest(achievement=w.fresh("achievement"), email="new@example.org")
    return credential_issue(request=request, source="ui", actor=actor, notify=False)


def _issue_many(w: World, actor: Any) -> Any:
    request = AwardRequest(achievement=w.fresh("achievement"), email="new@example.org")
    return credential_issue_many(issuer=w.a, requests=[request], source="api", actor=actor, notify=False)


def _kept_upload(w: World) -> Any:
    """A file kept for issuer A by someone allowed (the platform), for the service that makes a job of it."""
    upload, _ = bulk_upload_keep(issuer=w.a, data=COHORT, filename="c.csv", actor=SystemActor("test"))
    return upload


def _save_rule(w: World, actor: Any) -> Any:
    return qualification_save(
        issuer=w.a,
        achievement=w.fresh("target"),
        rule={"kind": "achievement", "achievement": str(w.fresh("achievement").uuid)},
        qualification=w.fresh("qualification"),
        actor=actor,
    )


# service -> (the actions it needs in issuer A, a call of it on A's objects)
WRITES: dict[str, tuple[tuple[Action, ...], Call]] = {
    "issuer_update": ((PROFILE,), lambda w, actor: issuer_update(issuer=w.a, description="Changed.", actor=actor)),
    "membership_set": (
        (STAFF,),
        lambda w, actor: membership_set(issuer=w.a, user=w.users["viewer"], role="editor", actor=actor),
    ),
    "membership_remove": (
        (STAFF,),
        lambda w, actor: membership_remove(membership=w.fresh("membership"), actor=actor),
    ),
    "staff_invite": (
        (STAFF,),
        lambda w, actor: staff_invite(issuer=w.a, email="someone@example.org", role="viewer", actor=actor),
    ),
    "invitation_revoke": (
        (STAFF,),
        lambda w, actor: invitation_revoke(invitation=w.fresh("invitation"), actor=actor),
    ),
    "signing_key_create": (
        (KEYS,),
        lambda w, actor: signing_key_create(
            issuer=w.a, purpose=KeyPurpose.JWT, algorithm=KeyAlgorithm.P256, actor=actor
        ),
    ),
    "issuer_key_rotate": ((KEYS,), lambda w, actor: issuer_key_rotate(issuer=w.a, actor=actor)),
    "signing_key_mark_compromised": (
        (KEYS,),
        lambda w, actor: signing_key_mark_compromised(key=w.fresh("key"), reason="test", actor=actor),
    ),
    "achievement_create": (
        (EDIT,),
        lambda w, actor: achievement_create(
            issuer=w.a, actor=actor, data={"name": "New", "description": "d", "criteria_narrative": "c"}
        ),
    ),
    "achievement_update": (
        (EDIT,),
        lambda w, actor: achievement_update(achievement=w.fresh("achievement"), actor=actor, data={"name": "X"}),
    ),
    "achievement_archive": (
        (EDIT,),
        lambda w, actor: achievement_archive(achievement=w.fresh("achievement"), actor=actor),
    ),
    "achievement_unarchive": (
        (EDIT,),
        lambda w, actor: achievement_unarchive(achievement=w.fresh("achievement"), actor=actor),
    ),
    "achievement_delete": (
        (EDIT,),
        lambda w, actor: achievement_delete(achievement=w.fresh("achievement"), actor=actor),
    ),
    "credential_issue": ((AWARD,), _issue),
    "credential_issue_many": ((AWARD,), _issue_many),
    "credential_revoke": (
        (AWARD,),
        lambda w, actor: credential_revoke(credential=w.fresh("credential"), reason="test", actor=actor),
    ),
    "credential_revoke_many": (
        (AWARD,),
        lambda w, actor: credential_revoke_many(
            issuer=w.a, credentials=[w.fresh("credential")], reason="test", actor=actor
        ),
    ),
    "credential_suspend": (
        (AWARD,),
        lambda w, actor: credential_suspend(credential=w.fresh("credential"), reason="test", actor=actor),
    ),
    "credential_unsuspend": (
        (AWARD,),
        lambda w, actor: credential_unsuspend(credential=w.fresh("credential"), actor=actor),
    ),
    "credential_renew": (
        (AWARD,),
        lambda w, actor: credential_renew(credential=w.fresh("credential"), actor=actor, source="ui"),
    ),
    "credential_correct": (
        (AWARD,),
        lambda w, actor: credential_correct(
            credential=w.fresh("credential"), name="Corrected", actor=actor, source="ui"
        ),
    ),
    "credential_resend": (
        (AWARD,),
        lambda w, actor: credential_resend(credential=w.fresh("credential"), actor=actor),
    ),
    "bulk_job_create": (
        (AWARD,),
        lambda w, actor: bulk_job_create(
            issuer=w.a, data=COHORT, filename="c.csv", achievement=w.fresh("achievement"), actor=actor
        ),
    ),
    "bulk_upload_keep": (
        (AWARD,),
        lambda w, actor: bulk_upload_keep(issuer=w.a, data=COHORT, filename="c.csv", actor=actor),
    ),
    "bulk_job_create_from_upload": (
        (AWARD,),
        lambda w, actor: bulk_job_create_from_upload(
            upload=_kept_upload(w), achievement=w.fresh("achievement"), actor=actor
        ),
    ),
    "bulk_job_start": ((AWARD,), lambda w, actor: bulk_job_start(job=w.fresh("job"), actor=actor)),
    "bulk_job_pause": ((AWARD,), lambda w, actor: bulk_job_pause(job=w.fresh("job"), actor=actor)),
    "bulk_job_cancel": ((AWARD,), lambda w, actor: bulk_job_cancel(job=w.fresh("job"), actor=actor)),
    "bulk_job_undo": ((AWARD,), lambda w, actor: bulk_job_undo(job=w.fresh("job"), reason="test", actor=actor)),
    "qualification_save": (STACKING_WRITE, _save_rule),
    "qualification_apply": (
        STACKING_WRITE,
        lambda w, actor: qualification_apply(qualification=w.fresh("qualification"), actor=actor),
    ),
    "qualification_deactivate": (
        STACKING_WRITE,
        lambda w, actor: qualification_deactivate(qualification=w.fresh("qualification"), actor=actor),
    ),
    "partnership_request": (STACKING_WRITE, lambda w, actor: partnership_request(issuer=w.a, partner=w.b, actor=actor)),
    "partnership_answer": (
        STACKING_WRITE,
        lambda w, actor: partnership_answer(partnership=w.fresh("partnership"), accept=True, actor=actor),
    ),
    "endorsement_give": (
        (Action.AWARD,),
        lambda w, actor: endorsement_give(endorser=w.a, issuer=w.b, achievement=None, comment="Yes.", actor=actor),
    ),
    "endorsement_decide": (
        (Action.EDIT_PROFILE,),
        lambda w, actor: endorsement_decide(endorsement=w.fresh("endorsement"), accept=True, actor=actor),
    ),
    "endorsement_withdraw": (
        (Action.AWARD,),
        lambda w, actor: endorsement_withdraw(endorsement=w.fresh("endorsement_given"), actor=actor),
    ),
    "endorsement_add": (
        (Action.EDIT_PROFILE,),
        lambda w, actor: endorsement_add(issuer=w.a, text='{"not": "an endorsement"}', actor=actor),
    ),
    "endpoint_create": (
        (KEYS,),
        lambda w, actor: endpoint_create(
            issuer=w.a, url="https://hooks.example.org/new", events=["credential.issued"], actor=actor
        ),
    ),
    "endpoint_update": (
        (KEYS,),
        lambda w, actor: endpoint_update(
            endpoint=w.fresh("endpoint"),
            url="https://hooks.example.org/x",
            events=["credential.revoked"],
            actor=actor,
        ),
    ),
    "endpoint_rotate_secret": (
        (KEYS,),
        lambda w, actor: endpoint_rotate_secret(endpoint=w.fresh("endpoint"), actor=actor),
    ),
    "endpoint_delete": ((KEYS,), lambda w, actor: endpoint_delete(endpoint=w.fresh("endpoint"), actor=actor)),
    "endpoint_enable": ((KEYS,), lambda w, actor: endpoint_enable(endpoint=w.fresh("endpoint"), actor=actor)),
    "endpoint_send_ping": ((KEYS,), lambda w, actor: endpoint_send_ping(endpoint=w.fresh("endpoint"), actor=actor)),
    "token_create": ((KEYS,), lambda w, actor: token_create(issuer=w.a, name="new", actor=actor)),
    "token_revoke": ((KEYS,), lambda w, actor: token_revoke(token=w.fresh("token"), actor=actor)),
}

world = authz_world.world
_media_in_tmp = authz_world.media_of_the_world


def _counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in MODELS)


def _rolled_back(call: Callable[[], Any]) -> None:
    """Run `call` in a savepoint undone afterwards: each actor meets the world as it was built."""
    with transaction.atomic():
        try:
            call()
        finally:
            transaction.set_rollback(True)


def refused_actors(world: World, needed: tuple[Action, ...]) -> dict[str, Any]:
    lacking = {role: world.users[role] for role in ROLES if not set(needed) <= ROLE_ACTIONS[role]}
    others = frozenset(Action) - set(needed)
    return {
        "no one": None,
        "anonymous": AnonymousUser(),
        "B's owner": world.users["stranger"],
        "a superuser": world.users["root"],
        **lacking,
        "A's token without the actions": ScopedActor(issuer_id=world.a.pk, actions=others, label="token A"),
        "B's token with every action": ScopedActor(issuer_id=world.b.pk, actions=frozenset(Action), label="token B"),
    }


def allowed_actors(world: World, needed: tuple[Action, ...]) -> dict[str, Any]:
    roles = {role: world.users[role] for role in ROLES if set(needed) <= ROLE_ACTIONS[role]}
    return {
        **roles,
        "A's token with the actions": ScopedActor(issuer_id=world.a.pk, actions=frozenset(needed), label="token A"),
        "the platform": SystemActor("test"),
    }


@pytest.mark.parametrize("service", sorted(WRITES))
def test_a_write_refuses_every_actor_without_its_actions_and_writes_nothing(db, world, service):
    needed, call = WRITES[service]
    before = _counts()
    for name, actor in refused_actors(world, needed).items():
        with pytest.raises(NotAuthorized):
            _rolled_back(lambda actor=actor: call(world, actor))
        assert _counts() == before, f"{service} as {name} wrote something before refusing"


@pytest.mark.parametrize("service", sorted(WRITES))
def test_a_write_lets_every_actor_with_its_actions_through(db, world, service):
    needed, call = WRITES[service]
    for name, actor in allowed_actors(world, needed).items():
        try:
            _rolled_back(lambda actor=actor: call(world, actor))
        except NotAuthorized as exc:  # pragma: no cover - the failure's message
            pytest.fail(f"{service} refused {name}: {exc}")
        except DOMAIN_ERRORS:
            pass  # authorized, then refused for the object's state (revoking twice…), which is not the point here


@pytest.mark.django_db
def test_every_write_service_is_in_the_table():
    """A new write service of these modules must say who may call it (or be a private helper)."""
    import api.services
    import badges.achievements
    import badges.endorsements
    import badges.lifecycle
    import badges.services
    import bulk.jobs
    import issuer.services
    import stacking.services
    import webhooks.services

    prefixes = ("issuer_", "membership_", "staff_", "invitation_", "signing_key_", "achievement_", "credential_",
                "bulk_job_", "bulk_upload", "qualification_", "partnership_", "endpoint_", "token_", "endorsement_")  # fmt: skip
    # Reads, checks, and the work the platform does for a job or a rule already authorized (a system actor).
    not_writes = {
        "invitation_accept",  # the e-mailed invitation is the authorization (D13)
        "invitation_check", "achievement_filter_choices", "credential_data", "bulk_job_progress",
        "bulk_job_running", "bulk_job_process_chunk", "bulk_job_finish", "bulk_job_undo_run", "bulk_job_report_send",
        "qualification_preview", "qualification_progress", "token_mark_used", "issuer_create",
        # the outbox's e-mails for an invitation or a membership already authorized when it was written (D37)
        "invitation_email_send", "staff_added_email_send",
        "endorsement_subject", "endorsement_credential",  # a look-up and a document builder
    }  # fmt: skip
    found = {
        name
        for module in (
            issuer.services,
            badges.services,
            badges.lifecycle,
            badges.achievements,
            badges.endorsements,
            bulk.jobs,
            stacking.services,
            webhooks.services,
            api.services,
        )  # fmt: skip
        for name, value in vars(module).items()
        if callable(value) and getattr(value, "__module__", "") == module.__name__ and name.startswith(prefixes)
    }
    assert found - not_writes - set(WRITES) == set()


def test_creating_an_issuer_is_the_platforms_alone(db, world):
    before = _counts()
    for actor in (world.users["owner"], world.users["root"], None):
        with pytest.raises(NotAuthorized, match="may not create an issuer"):
            issuer_create(slug="new-one", name="New", actor=actor)
    assert _counts() == before


# --- tenant isolation: A's authorization does not reach B's objects ---------------------------------------------


def test_another_issuers_achievement_is_refused_for_a_bulk_job(db, world):
    before = _counts()
    with pytest.raises(NotAuthorized, match="belongs to another issuer"):
        bulk_job_create(
            issuer=world.a, data=COHORT, filename="c.csv", achievement=world.objects["b_achievement"],
            actor=world.users["owner"],
        )  # fmt: skip
    assert _counts() == before


def test_another_issuers_kept_upload_is_refused_for_a_bulk_job(db, world):
    theirs, _ = bulk_upload_keep(issuer=world.b, data=COHORT, filename="c.csv", actor=SystemActor("test"))
    before = _counts()
    with pytest.raises(NotAuthorized, match="in Globex Institute"):
        bulk_job_create_from_upload(upload=theirs, achievement=world.objects["achievement"], actor=world.users["owner"])
    assert _counts() == before


def test_another_issuers_achievement_is_refused_for_a_rule(db, world):
    before = _counts()
    with pytest.raises(StackingError, match="must be one of this issuer's own"):
        qualification_save(
            issuer=world.a,
            achievement=world.objects["b_achievement"],
            rule={"kind": "achievement", "achievement": str(world.objects["achievement"].uuid)},
            actor=world.users["owner"],
        )
    assert _counts() == before


def test_another_issuers_credentials_refuse_a_whole_revocation(db, world):
    ours, theirs = world.objects["credential"], world.objects["b_credential"]
    with pytest.raises(NotAuthorized, match="This credential belongs to another issuer than Acme Academy"):
        credential_revoke_many(issuer=world.a, credentials=[ours, theirs], reason="x", actor=world.users["owner"])
    assert set(Credential.objects.filter(pk__in=[ours.pk, theirs.pk]).values_list("status", flat=True)) == {
        CredentialStatus.ACTIVE
    }


@pytest.mark.parametrize("who", ["owner", "token"])
def test_a_credential_of_another_issuer_cannot_be_changed_with_this_issuers_authorization(db, world, who):
    actor = world.users["owner"] if who == "owner" else ScopedActor(world.a.pk, frozenset(Action), "token A")
    theirs = world.objects["b_credential"]
    for change in (
        lambda: credential_revoke(credential=theirs, reason="x", actor=actor),
        lambda: credential_suspend(credential=theirs, actor=actor),
        lambda: credential_renew(credential=theirs, actor=actor, source="ui"),
        lambda: credential_correct(credential=theirs, name="X", actor=actor, source="ui"),
        lambda: credential_resend(credential=theirs, actor=actor),
    ):
        with pytest.raises(NotAuthorized, match="in Globex Institute"):
            change()
    theirs.refresh_from_db()
    assert theirs.status == CredentialStatus.ACTIVE
