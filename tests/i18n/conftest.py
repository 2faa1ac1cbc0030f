"""The language a request leaves active stays active in its thread (LocaleMiddleware activates it and nothing
resets it): after each test here, the default comes back, so that a German page does not make the next module's
English messages German."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language_afterwards() -> Iterator[None]:
    yield
    translation.deactivate()
