"""BulkJob and BulkRow moved from `badges` to `bulk` in Django's state only (badges 0006, bulk 0001 and 0002):
a job with its rows, written before the move, reads back the same after migrating forwards and back again, from
the same tables, and the models' content types keep their ids."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.apps.registry import Apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from badges.models import Credential
from badges.services import AwardRequest, credential_issue
from tests.actors import owner

BEFORE = [("badges", "0005_bulk_progress_undo"), ("bulk", None)]
AFTER = [("bulk", "0002_content_types")]
TABLES = {"badges_bulkjob", "badges_bulkrow"}

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()  # what is applied now
    return executor


def _snapshot(apps: Apps, app_label: str) -> dict[str, Any]:
    """Every column of the jobs and rows as the models of `app_label` read them."""
    job_model, row_model = apps.get_model(app_label, "BulkJob"), apps.get_model(app_label, "BulkRow")
    return {
        "tables": (job_model._meta.db_table, row_model._meta.db_table),
        "jobs": list(job_model.objects.order_by("pk").values()),
        "rows": list(row_model.objects.order_by("pk").values()),
        "rows_of_job": sorted(job_model.objects.get().rows.values_list("line", flat=True)),
    }


def _content_type_ids() -> dict[tuple[str, str], int]:
    return {(ct.app_label, ct.model): ct.pk for ct in ContentType.objects.filter(model__in=["bulkjob", "bulkrow"])}


@pytest.fixture
def latest_afterwards() -> Iterator[None]:
    """Whatever the test leaves, the database ends at the latest migrations, so later tests are unaffected."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def test_a_job_and_its_rows_survive_the_move_forwards_and_back(latest_afterwards, issuer, achievement):
    # given: a credential (one row links to it), and the database as it was before the move
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="ada@example.org"),
        source="command",
        notify=False,
        actor=owner(achievement.issuer),
    )
    moved_ids = _content_type_ids()
    executor = _migrate(BEFORE)
    assert _content_type_ids() == {("badges", model): pk for (_, model), pk in moved_ids.items()}
    old = executor.loader.project_state(BEFORE[0]).apps
    job = old.get_model("badges", "BulkJob").objects.create(
        issuer_id=issuer.pk,
        achievement_id=achievement.pk,
        source_name="cohort.csv",
        status="finished",
        total_rows=3,
        valid_rows=2,
        done_rows=1,
        failed_rows=1,
        started_at=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        finished_at=datetime(2026, 6, 1, 9, 5, tzinfo=UTC),
        heartbeat_at=datetime(2026, 6, 1, 9, 4, tzinfo=UTC),
        result_file="bulk/cohort.csv",
        undo_reason="",
    )
    row_model = old.get_model("badges", "BulkRow")
    row_model.objects.create(
        job=job,
        line=2,
        email="ada@example.org",
        name="Ada",
        achievement_id=achievement.pk,
        evidence=[{"id": "https://example.org/work/ada"}],
        external_id="S-1",
        idempotency_key="S-1",
        status="issued",
        credential_id=credential.pk,
    )
    row_model.objects.create(job=job, line=3, email="bob@", status="invalid", error="not an e-mail address")
    row_model.objects.create(
        job=job, line=4, email="cy@example.org", achievement_id=achievement.pk, idempotency_key="k", status="failed"
    )
    before = _snapshot(old, "badges")
    assert before["tables"] == ("badges_bulkjob", "badges_bulkrow")
    assert len(before["rows"]) == 3

    # when: migrated forwards, the bulk app reads the same rows from the same tables
    executor = _migrate(AFTER)
    forwards = _snapshot(executor.loader.project_state(AFTER[0]).apps, "bulk")
    assert forwards == before
    assert TABLES <= set(connection.introspection.table_names())
    assert not {"bulk_bulkjob", "bulk_bulkrow"} & set(connection.introspection.table_names())
    assert _content_type_ids() == moved_ids  # the same content type rows, labelled `bulk` again
    # (The models as of that migration: later migrations add columns this database does not have yet.)
    moved_job = executor.loader.project_state(AFTER[0]).apps.get_model("bulk", "BulkJob").objects.get()
    assert moved_job.rows.get(line=2).credential_id == Credential.objects.values_list("pk", flat=True).get(
        pk=credential.pk
    )

    # when: migrated back, `badges` reads them again, unchanged
    executor = _migrate(BEFORE)
    assert _snapshot(executor.loader.project_state(BEFORE[0]).apps, "badges") == before
    assert TABLES <= set(connection.introspection.table_names())
