"""Helpers for tests with concurrent database writers (row locks exist on PostgreSQL only)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

# Marks for a test that needs row locks: it belongs to CI's service pass and runs on PostgreSQL.
POSTGRESQL_ONLY = [
    pytest.mark.services,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL (CI's service pass)"),
]


def postgresql_only(test: Any) -> Any:
    for mark in POSTGRESQL_ONLY:
        test = mark(test)
    return test


def in_thread(target: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    """Start `target` in a thread with its own database connection; its exception, if any, lands in
    the returned list for the test to report."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors
