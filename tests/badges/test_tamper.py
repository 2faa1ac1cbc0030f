"""Every single-field change, removal or addition in a real issued credential is rejected."""

import copy
import json

import pytest

from badges.services import AwardRequest, credential_issue
from badges.verify import verify_credential
from tests.actors import owner
from verification.errors import VerificationError


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))
    else:
        yield prefix


def _containers(node, prefix=()):
    if isinstance(node, dict):
        yield prefix, node
        for key, value in node.items():
            yield from _containers(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _containers(value, (*prefix, index))


def _get(doc, path):
    for part in path:
        doc = doc[part]
    return doc


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return value + "x" if value else "x"


def _rejected(document) -> bool:
    try:
        return not verify_credential(json.dumps(document)).valid
    except VerificationError:
        return True


@pytest.fixture
def issued(achievement):
    credential = credential_issue(
        request=AwardRequest(
            achievement=achievement,
            email="l@example.com",
            name="L",
            evidence=[{"id": "https://example.org/work", "narrative": "A project."}],
        ),
        source="ui",
        actor=owner(achievement.issuer),
    )
    document = json.loads(credential.document)
    assert verify_credential(credential.document).valid
    return document


def test_every_value_change_is_rejected(issued):
    accepted = []
    for path in _paths(issued):
        mutated = copy.deepcopy(issued)
        parent = _get(mutated, path[:-1])
        parent[path[-1]] = _changed(parent[path[-1]])
        if not _rejected(mutated):
            accepted.append(path)
    assert accepted == []
    assert len(list(_paths(issued))) > 40  # the test really walked a full credential


def test_every_removal_is_rejected(issued):
    accepted = []
    for path, container in _containers(issued):
        keys = list(container) if isinstance(container, dict) else range(len(container))
        for key in keys:
            mutated = copy.deepcopy(issued)
            del _get(mutated, path)[key]
            if not _rejected(mutated):
                accepted.append((*path, key))
    assert accepted == []


def test_every_addition_is_rejected(issued):
    accepted = []
    for path, container in _containers(issued):
        if not isinstance(container, dict) or path[:1] == ("@context",):
            continue
        for key, value in (("description", "added"), ("undefinedTerm", "added")):
            if key in container:
                continue
            mutated = copy.deepcopy(issued)
            _get(mutated, path)[key] = value
            if not _rejected(mutated):
                accepted.append((*path, key))
    assert accepted == []
