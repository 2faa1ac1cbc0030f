"""Idempotency-Key on creates: a replay returns the original response, a different request with the same key is
422, keys are per client, failures store nothing, and concurrent duplicates create once (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.test.client import encode_multipart

from api.models import IdempotencyRecord
from bulk.models import BulkJob
from tests.api.conftest import CSV, ApiClient, assert_problem, jobs_url, make_token, upload
from tests.concurrency import in_thread, postgresql_only

ROWS = {"achievement": "python-basics", "rows": [{"email": "ada@example.org"}, {"email": "bob@example.org"}]}


def test_the_same_key_and_body_replays_the_first_response(api, achievement):
    first = api.post(jobs_url(), ROWS, headers={"Idempotency-Key": "k-1"})
    second = api.post(jobs_url(), ROWS, headers={"Idempotency-Key": "k-1"})

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Location"] == first["Location"]
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert BulkJob.objects.count() == 1
    assert IdempotencyRecord.objects.get().status_code == 201


def test_the_same_key_with_another_body_is_422(api, achievement):
    api.post(jobs_url(), ROWS, headers={"Idempotency-Key": "k-1"})
    changed = {**ROWS, "rows": [{"email": "cy@example.org"}]}

    response = api.post(jobs_url(), changed, headers={"Idempotency-Key": "k-1"})

    assert_problem(response, 422, "idempotency-key-reused", "'k-1'")
    assert BulkJob.objects.count() == 1


def test_the_same_key_on_another_path_is_422(api, achievement, issuer):
    api.post(jobs_url(), ROWS, headers={"Idempotency-Key": "k-1"})

    response = api.post(jobs_url() + "?start=1", ROWS, headers={"Idempotency-Key": "k-1"})

    assert_problem(response, 422, "idempotency-key-reused")


def test_the_same_file_in_another_multipart_envelope_is_the_same_request(api, achievement):
    # Two uploads of one file differ in their multipart boundary: still a retry, not a new request.
    fields = {"achievement": "python-basics"}
    responses = []
    for boundary in ("FirstBoundary1234", "OtherBoundary9876"):
        body = encode_multipart(boundary, {**fields, **upload()})
        responses.append(
            api.generic(
                "POST",
                jobs_url(),
                body,
                content_type=f"multipart/form-data; boundary={boundary}",
                headers={"Idempotency-Key": "file-1"},
            )
        )

    assert [r.status_code for r in responses] == [201, 201]
    assert responses[1]["Idempotent-Replayed"] == "true"
    assert BulkJob.objects.count() == 1


def test_keys_belong_to_their_client(api, issuer, achievement):
    other = ApiClient(make_token(issuer, name="second")[1])

    first = api.post(jobs_url(), ROWS, headers={"Idempotency-Key": "shared"})
    second = other.post(jobs_url(), ROWS, headers={"Idempotency-Key": "shared"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert not second.has_header("Idempotent-Replayed")
    assert BulkJob.objects.count() == 2


def test_without_a_key_every_post_creates(api, achievement):
    api.post(jobs_url(), ROWS)
    api.post(jobs_url(), ROWS)

    assert BulkJob.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 0


def test_a_failed_create_stores_nothing_and_can_be_retried(api, achievement, monkeypatch):
    bad = api.post(jobs_url(), upload(b"email,name\n", achievement="python-basics"), headers={"Idempotency-Key": "r"})
    assert_problem(bad, 400, "invalid-file")
    assert IdempotencyRecord.objects.count() == 0

    again = api.post(jobs_url(), upload(b"email,name\n", achievement="python-basics"), headers={"Idempotency-Key": "r"})

    assert_problem(again, 400, "invalid-file")  # ran again, not replayed
    assert not again.has_header("Idempotent-Replayed")
    fixed = api.post(jobs_url(), upload(CSV, achievement="python-basics"), headers={"Idempotency-Key": "r"})
    assert fixed.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_unusable_keys_are_400(api, achievement, key):
    response = api.post(jobs_url(), ROWS, headers={"Idempotency-Key": key})

    problem = assert_problem(response, 400, "invalid-request")
    assert list(problem["errors"]) == ["Idempotency-Key"]
    assert BulkJob.objects.count() == 0


def test_a_key_of_255_characters_is_accepted(api, achievement):
    response = api.post(jobs_url(), ROWS, headers={"Idempotency-Key": "k" * 255})

    assert response.status_code == 201


# ----- concurrent duplicates: real transactions on PostgreSQL (CI's service pass)


@postgresql_only
def test_a_duplicate_while_the_first_runs_is_409_then_replays(transactional_db, issuer, user, achievement, monkeypatch):
    from api import views_bulk

    secret = make_token(issuer, actor=user)[1]
    inside, release = threading.Event(), threading.Event()
    real_create = views_bulk.bulk_job_create

    def slow_create(**kwargs):
        result = real_create(**kwargs)
        inside.set()
        assert release.wait(30)
        return result

    monkeypatch.setattr(views_bulk, "bulk_job_create", slow_create)
    first: list = []
    thread, errors = in_thread(
        lambda: first.append(ApiClient(secret).post(jobs_url(), ROWS, headers={"Idempotency-Key": "race"}))
    )
    assert inside.wait(30)
    try:
        duplicate = ApiClient(secret).post(jobs_url(), ROWS, headers={"Idempotency-Key": "race"})
    finally:
        release.set()
        thread.join(60)

    assert not errors
    assert_problem(duplicate, 409, "idempotency-key-in-use")
    assert duplicate["Retry-After"] == "1"
    assert first[0].status_code == 201
    monkeypatch.setattr(views_bulk, "bulk_job_create", real_create)
    replay = ApiClient(secret).post(jobs_url(), ROWS, headers={"Idempotency-Key": "race"})
    assert replay.status_code == 201
    assert replay.json()["id"] == first[0].json()["id"]
    assert BulkJob.objects.count() == 1


@postgresql_only
def test_concurrent_duplicates_create_once(transactional_db, issuer, user, achievement):
    secret = make_token(issuer, actor=user)[1]
    barrier = threading.Barrier(4)
    responses: list = []

    def post():
        barrier.wait(30)
        responses.append(ApiClient(secret).post(jobs_url(), ROWS, headers={"Idempotency-Key": "burst"}))

    threads = [in_thread(post) for _ in range(4)]
    for thread, errors in threads:
        thread.join(60)
        assert not errors

    statuses = sorted(response.status_code for response in responses)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    created = {response.json()["id"] for response in responses if response.status_code == 201}
    assert len(created) == 1
    assert BulkJob.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
