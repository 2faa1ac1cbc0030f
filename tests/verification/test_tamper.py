"""Every change to a signed, realistic OpenBadgeCredential breaks its proof.

The mutations are generated over the whole signed document (the proof included): every leaf value
changed, every key removed, every array element removed, and in every object one defined term
added ("description") and one undefined term added (which safe mode must refuse outright).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.verification.credentials import ISSUER_ID, open_badge_credential
from tests.verification.helpers import FragmentResolver
from verification.keys import ed25519_public_to_multibase
from verification.suites import DataIntegritySigner, verify_proofs

KEY = ed25519.Ed25519PrivateKey.from_private_bytes(
    bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
)
VM = f"{ISSUER_ID}#{ed25519_public_to_multibase(KEY.public_key())}"
SIGNED = DataIntegritySigner(KEY, VM, created="2025-03-01T09:30:00Z").sign(open_badge_credential())

Path = tuple[str | int, ...]


def walk(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk(child, (*path, index))


def parent_of(document: Any, path: Path) -> Any:
    for step in path[:-1]:
        document = document[step]
    return document


def changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return value + "x"


def mutations() -> Iterator[tuple[str, str, Any]]:
    """(kind, description, mutated document)."""
    for path, value in walk(SIGNED):
        if path and not isinstance(value, dict | list):
            document = copy.deepcopy(SIGNED)
            parent_of(document, path)[path[-1]] = changed(value)
            yield "leaf", f"change {path}", document
        if path:
            document = copy.deepcopy(SIGNED)
            del parent_of(document, path)[path[-1]]
            kind = "key" if isinstance(path[-1], str) else "element"
            yield kind, f"remove {path}", document
        if isinstance(value, dict):
            document = copy.deepcopy(SIGNED)
            target = parent_of(document, (*path, "")) if path else document
            if "description" not in target:
                target["description"] = "Added after signing."
                yield "defined", f"add description at {path}", document
            document = copy.deepcopy(SIGNED)
            target = parent_of(document, (*path, "")) if path else document
            target["addedAfterSigning"] = "x"
            yield "undefined", f"add undefined term at {path}", document


MUTATIONS = list(mutations())


def test_the_signed_credential_verifies() -> None:
    [result] = verify_proofs(SIGNED, FragmentResolver())
    assert (result.verified, result.code) == (True, "proof_valid")


def test_the_mutations_cover_the_whole_document() -> None:
    kinds = [kind for kind, _, _ in MUTATIONS]
    leaves = sum(1 for path, value in walk(SIGNED) if path and not isinstance(value, dict | list))
    objects = sum(1 for _, value in walk(SIGNED) if isinstance(value, dict))
    assert kinds.count("leaf") == leaves >= 60
    assert kinds.count("undefined") == objects >= 14
    assert kinds.count("key") >= 70
    assert len(MUTATIONS) >= 190


@pytest.mark.parametrize(("kind", "description", "document"), MUTATIONS, ids=[d for _, d, _ in MUTATIONS])
def test_mutation_breaks_the_proof(kind: str, description: str, document: dict[str, Any]) -> None:
    results = verify_proofs(document, FragmentResolver())
    assert not any(result.verified for result in results), description
    if kind == "undefined":
        [result] = results
        assert result.code == "jsonld_error"
        assert "'addedAfterSigning'" in result.message
