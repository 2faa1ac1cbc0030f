"""The lock files agree with pyproject.toml: `make lock` was rerun after a dependency changed.

The README's install, the Dockerfile and CI install only what requirements/*.txt pin (hash-checked), so a
dependency added to pyproject.toml without relocking would be missing at run time. Checked offline.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.paths import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
RUNTIME = ROOT / "requirements" / "runtime.txt"
DEV = ROOT / "requirements" / "dev.txt"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)")


def _pins(lock: Path) -> dict[str, set[str]]:
    """name -> pinned versions (a universal lock may pin two, under exclusive markers)."""
    pins: dict[str, set[str]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins.setdefault(canonicalize_name(match["name"]), set()).add(match["version"])
    return pins


def _declared(group: str) -> list[Requirement]:
    if group == "runtime":
        return [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]
    return [Requirement(text) for text in PYPROJECT["project"]["optional-dependencies"][group]]


@pytest.mark.parametrize(("group", "lock"), [("runtime", RUNTIME), ("runtime", DEV), ("dev", DEV)])
def test_every_declared_dependency_is_pinned_within_its_range(group: str, lock: Path) -> None:
    pins = _pins(lock)
    for requirement in _declared(group):
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is declared in pyproject.toml but not in {lock.name}: run `make lock`"
        assert all(requirement.specifier.contains(version, prereleases=True) for version in versions), (
            f"{lock.name} pins {requirement.name} {sorted(versions)}, outside {requirement.specifier}: run `make lock`"
        )


def test_dev_lock_pins_the_runtime_versions() -> None:
    runtime, dev = _pins(RUNTIME), _pins(DEV)
    assert {name: dev.get(name) for name in runtime} == runtime


@pytest.mark.parametrize("lock", [RUNTIME, DEV], ids=lambda path: path.name)
def test_lock_has_hashes_and_no_machine_local_locations(lock: Path) -> None:
    text = lock.read_text(encoding="utf-8")
    pinned = [line for line in text.splitlines() if PIN.match(line)]
    assert pinned and all(line.rstrip().endswith("\\") for line in pinned)  # each pin continues with its hashes
    assert text.count("--hash=sha256:") >= len(pinned)
    # Index and find-links options, local paths and editable installs belong to a machine, not to the lock.
    for forbidden in ("--index-url", "--extra-index-url", "--find-links", "file:", "-e ", "/opt/", "/home/", "/root/"):
        assert forbidden not in text, forbidden
