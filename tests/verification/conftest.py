"""Fixtures shared by the verification tests."""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType

import pytest

from tests.verification.helpers import CITIZENSHIP_RECONSTRUCTED, CITIZENSHIP_URL
from verification import bundled_contexts, pyld_adapter


@pytest.fixture
def citizenship_context(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = bundled_contexts._BUNDLE.parsed
    monkeypatch.setattr(
        bundled_contexts, "CONTEXT_FILES", MappingProxyType({**bundled_contexts.CONTEXT_FILES, CITIZENSHIP_URL: "-"})
    )
    monkeypatch.setattr(
        bundled_contexts._BUNDLE,
        "parsed",
        lambda url: CITIZENSHIP_RECONSTRUCTED if url == CITIZENSHIP_URL else original(url),
    )
    yield
    pyld_adapter._SHARED_CONTEXT_CACHE.pop(CITIZENSHIP_URL, None)
    pyld_adapter._REGISTERED_URLS.discard(CITIZENSHIP_URL)
