"""The issuer UI's signed-in clients (tests/ui/conftest.py) for the analytics pages."""

from tests.ui.conftest import client_as, staff  # noqa: F401 - fixtures
