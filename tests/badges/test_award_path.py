"""What one award costs and why it stays correct (D38): status slots taken from a block the process reserved, the
embedded documents kept until their rows change, and the listeners asked once whether an award concerns them."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from badges import status_lists
from badges.achievements import achievement_update
from badges.events import CredentialEvent, subscribe, unsubscribe
from badges.models import Achievement, Credential, StatusList
from badges.services import AwardRequest, CredentialError, credential_issue
from issuer.models import Issuer
from issuer.services import issuer_update
from tests.actors import owner
from verification.status import LIST_SIZE, bit_is_set


@pytest.fixture(autouse=True)
def _no_reserve():
    status_lists.forget_reserved_slots()
    yield
    status_lists.forget_reserved_slots()


def _award(achievement, number: int) -> Credential:
    request = AwardRequest(achievement=achievement, email=f"learner{number}@example.org", name=f"Learner {number}")
    return credential_issue(request=request, source="api", actor=owner(achievement.issuer))


def _revocation_list(issuer) -> StatusList:
    return StatusList.objects.get(issuer=issuer, purpose="revocation", sequence=0)


def _taken(status_list: StatusList) -> set[int]:
    bits = bytes(status_list.taken)
    return {index for index in range(LIST_SIZE) if bit_is_set(bits, index)}


def _document(credential: Credential) -> dict:
    return json.loads(credential.document)


# --- status slots -------------------------------------------------------------------------------------------------


def test_the_first_award_reserves_a_block_and_the_next_ones_take_from_it(
    achievement, django_capture_on_commit_callbacks
):
    # when: one block's worth of awards, each committed
    with django_capture_on_commit_callbacks(execute=True):
        first = _award(achievement, 0)
    reserved = _taken(_revocation_list(achievement.issuer))
    later = []
    for number in range(1, status_lists.BLOCK):
        with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
            later.append(_award(achievement, number))
        # then: these awards never touch a status list
        assert not [q["sql"] for q in queries.captured_queries if "badges_statuslist" in q["sql"]]

    # then: the block was taken in the list at once, and its slots went to these awards, each one once
    status_list = _revocation_list(achievement.issuer)
    assert status_list.allocated == status_lists.BLOCK == len(reserved)
    assert {c.status_index for c in [first, *later]} == reserved
    # and every credential names its slot as a plain JSON string purpose (the signer's fast path needs it)
    entry = _document(later[-1])["credentialStatus"]
    assert entry["statusPurpose"] == "revocation" and type(entry["statusPurpose"]) is str
    assert entry["statusListIndex"] == str(later[-1].status_index)

    # when: one more award: the reserve is empty, a second block is taken
    with django_capture_on_commit_callbacks(execute=True):
        extra = _award(achievement, status_lists.BLOCK)
    assert extra.status_index not in reserved
    assert _revocation_list(achievement.issuer).allocated == 2 * status_lists.BLOCK


def test_a_rolled_back_award_keeps_no_reserve(achievement, django_capture_on_commit_callbacks):
    # when: an award reserves a block, and its transaction rolls back
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):  # noqa: PT012
        with transaction.atomic():
            _award(achievement, 0)
            raise RuntimeError("the request failed after the award")

    # then: nothing was taken, and the next award reserves a block of its own (the rolled-back slots were never kept)
    assert not StatusList.objects.filter(issuer=achievement.issuer).exists()
    with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as queries:
        credential = _award(achievement, 1)
    assert any("badges_statuslist" in q["sql"] for q in queries.captured_queries)
    assert _taken(_revocation_list(achievement.issuer)) >= {credential.status_index}


def test_slots_of_one_list_are_never_handed_out_twice(achievement):
    issuer = achievement.issuer
    with transaction.atomic():
        first = status_lists.allocate_slots(issuer, 5_000)
    with transaction.atomic():
        second = status_lists.allocate_slots(issuer, 5_000)

    indexes = [index for _, index in first + second]
    assert len(set(indexes)) == 10_000
    status_list = _revocation_list(issuer)
    assert status_list.allocated == 10_000
    assert _taken(status_list) == set(indexes)


def test_a_full_list_sends_the_rest_of_a_request_to_the_next(achievement):
    issuer = achievement.issuer
    with transaction.atomic():
        status_lists.allocate_slots(issuer, 1)
    StatusList.objects.filter(issuer=issuer, purpose="revocation").update(allocated=status_lists.FILL_LIMIT - 3)

    with transaction.atomic():
        slots = status_lists.allocate_slots(issuer, 10)

    assert [status_list.sequence for status_list, _ in slots].count(0) == 3
    assert [status_list.sequence for status_list, _ in slots].count(1) == 7


def test_a_slot_found_used_drops_the_reserve(achievement, django_capture_on_commit_callbacks):
    # given: a reserve, and the slot it hands out next used behind this process's back (a database restored under it)
    with django_capture_on_commit_callbacks(execute=True):
        first = _award(achievement, 0)
    allocated = _revocation_list(achievement.issuer).allocated
    _, _, next_index = status_lists._reserve.slots[status_lists._owner(achievement.issuer)][-1]
    Credential.objects.filter(pk=first.pk).update(status_index=next_index)

    # when: the next award takes that slot
    with pytest.raises(CredentialError, match="could not be stored"), transaction.atomic():
        _award(achievement, 1)

    # then: the reserve is dropped, and the award after that reserves a fresh block and succeeds
    assert status_lists._owner(achievement.issuer) not in status_lists._reserve.slots
    with django_capture_on_commit_callbacks(execute=True):
        credential = _award(achievement, 2)
    assert credential.status_index != next_index
    assert _revocation_list(achievement.issuer).allocated == allocated + status_lists.BLOCK


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_the_slots_credentials_already_hold(achievement):
    # given: credentials issued, then the database taken back to before the bitmap
    credentials = [_award(achievement, number) for number in range(3)]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("badges", "0006_bulk_moves_to_its_own_app")])
        executor.loader.build_graph()

        # when: migrating forwards again
        executor.migrate([("badges", "0007_statuslist_taken")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    # then: exactly the slots the credentials hold are taken
    assert _taken(_revocation_list(achievement.issuer)) == {c.status_index for c in credentials}


# --- embedded documents --------------------------------------------------------------------------------------------


def test_an_edited_achievement_is_embedded_as_edited(achievement):
    before = _document(_award(achievement, 0))["credentialSubject"]["achievement"]

    achievement = achievement_update(
        achievement=achievement,
        actor=owner(achievement.issuer),
        data={"name": "Python Foundations"},
        alignments=[{"target_name": "Loops", "target_url": "https://framework.example.org/loops"}],
    )
    after = _document(_award(achievement, 1))["credentialSubject"]["achievement"]

    assert before["name"] == "Python Basics"
    assert after["name"] == "Python Foundations"
    assert [a["targetName"] for a in after["alignment"]] == ["Loops"]


def test_an_edited_issuer_profile_is_embedded_as_edited(achievement):
    issuer = achievement.issuer
    assert _document(_award(achievement, 0))["issuer"]["name"] == "Test University"

    issuer_update(issuer=issuer, actor=owner(issuer), name="Test University of the North")
    achievement.issuer.refresh_from_db()

    assert _document(_award(achievement, 1))["issuer"]["name"] == "Test University of the North"


def test_a_row_changed_without_its_timestamp_is_embedded_as_changed(achievement):
    # given: a credential, then columns changed behind the services' back (no `updated_at` moved), and read back
    _award(achievement, 0)
    moved = achievement.updated_at
    Achievement.objects.filter(pk=achievement.pk).update(name="Renamed", updated_at=moved)
    Issuer.objects.filter(pk=achievement.issuer_id).update(name="Renamed University")
    achievement.refresh_from_db()
    achievement.issuer.refresh_from_db()

    document = _document(_award(achievement, 1))

    assert document["credentialSubject"]["achievement"]["name"] == "Renamed"
    assert document["issuer"]["name"] == "Renamed University"


# --- listeners ---------------------------------------------------------------------------------------------------


def test_listeners_are_asked_once_and_called_only_when_concerned(achievement):
    calls: list[tuple[str, int]] = []

    def concerned(events):
        calls.append(("concerned", len(events)))

    def not_concerned(events):
        calls.append(("not concerned", len(events)))

    table = connection.ops.quote_name(StatusList._meta.db_table)
    subscribe(concerned, interest=lambda events: (f"SELECT 1 FROM {table}", []))  # noqa: S608
    subscribe(not_concerned, interest=lambda events: (f"SELECT 1 FROM {table} WHERE id = %s", [-1]))  # noqa: S608
    try:
        with CaptureQueriesContext(connection) as queries:
            _award(achievement, 0)
    finally:
        unsubscribe(concerned)
        unsubscribe(not_concerned)

    assert calls == [("concerned", 1)]
    asked = [q["sql"] for q in queries.captured_queries if "EXISTS" in q["sql"]]
    assert len(asked) == 1  # every listener's interest in one statement


def test_an_award_that_concerns_no_rule_and_no_webhook_costs_no_savepoint(achievement):
    _award(achievement, 0)  # the issuer's first lists are made (in savepoints of their own)

    with CaptureQueriesContext(connection) as queries:
        _award(achievement, 1)

    # then: the one savepoint is the service's own transaction, nested in the test's
    started = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(started) == 1


def test_an_award_to_an_issuer_with_a_webhook_still_records_its_delivery(achievement):
    from webhooks.models import WebhookDelivery
    from webhooks.services import endpoint_create

    endpoint_create(
        issuer=achievement.issuer,
        url="https://hooks.example.org/in",
        events=["credential.issued"],
        actor=owner(achievement.issuer),
    )

    credential = _award(achievement, 0)

    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["data"]["credential"]["uuid"] == str(credential.uuid)


def test_a_listener_without_interest_is_called_with_every_batch(achievement):
    from badges.events import publish_on_commit

    calls = []
    subscribe(calls.append)  # no interest: called with every batch
    try:
        publish_on_commit([CredentialEvent("issued", 1, -1, achievement.pk, "x@example.org")])
    finally:
        unsubscribe(calls.append)
    assert len(calls) == 1


@pytest.mark.parametrize("rule", ["active, naming it", "inactive, naming it", "active, naming another"])
def test_the_stacking_interest_finds_what_its_listener_would(achievement, rule):
    from stacking import listeners
    from stacking.models import Qualification, QualificationComponent

    other = Achievement.objects.create(issuer=achievement.issuer, slug="other", name="Other", description="d")
    target = Achievement.objects.create(issuer=achievement.issuer, slug="stacked", name="Stacked", description="d")
    qualification = Qualification.objects.create(
        issuer=achievement.issuer, achievement=target, rule={"all": []}, active=rule.startswith("active")
    )
    QualificationComponent.objects.create(
        qualification=qualification, achievement=achievement if "naming it" in rule else other
    )
    events = [CredentialEvent("issued", 1, achievement.issuer_id, achievement.pk, "x@example.org")]

    select, params = listeners.interest(events)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS({select})", params)  # noqa: S608
        (found,) = cursor.fetchone()

    assert bool(found) == listeners.rules_mentioning(events).exists() == (rule == "active, naming it")
