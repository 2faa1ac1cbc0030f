"""Everything under tests/interop is marked `interop` and runs the independent verifiers offline.

The verifiers run in subprocesses (node, and a Python interpreter that never imports the platform);
pytest-socket does not reach into them, so they refuse the network themselves (see harness.py).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.interop import harness

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.interop)


class InteropResults:
    """The records of one run, looked up by item name and verifier."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self._by_key = {(record["name"], record["verifier"]): record for record in records}

    def get(self, name: str, verifier: str) -> dict[str, Any]:
        try:
            return self._by_key[(name, verifier)]
        except KeyError:
            raise AssertionError(f"{verifier} produced no result for {name!r}") from None

    def outcomes(self, name: str) -> dict[str, bool]:
        """verifier -> verified, for one item."""
        return {verifier: record["verified"] for (item, verifier), record in self._by_key.items() if item == name}


def _unavailable(reason: str) -> None:
    if harness.interop_required():
        pytest.fail(f"interop verifiers are required here (CI or INTEROP_REQUIRED=1) but unavailable: {reason}")
    pytest.skip(f"interop verifiers unavailable: {reason}")


@pytest.fixture(scope="session")
def run_interop() -> Callable[[list[dict[str, Any]], dict[str, Any]], InteropResults]:
    """Runs items through every independent verifier: one node process and one Python process."""

    def run(items: list[dict[str, Any]], did_documents: dict[str, Any]) -> InteropResults:
        # Both families are subprocesses (installed on first use): run them side by side.
        with ThreadPoolExecutor(max_workers=2) as pool:
            node = pool.submit(harness.run_node_verifiers, items, did_documents)
            python = pool.submit(harness.run_openbadgeslib, items, did_documents)
            try:
                records = node.result() + python.result()
            except harness.InteropUnavailable as exc:
                _unavailable(str(exc))
        return InteropResults(records)

    return run
