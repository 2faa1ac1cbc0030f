"""Every error `type` our APIs send is a page that says what it means (RFC 9457: a dereferenceable type URI), and
every API builds its problem+json bodies with the one module, config.problems."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from config.problem_types import PROBLEM_TYPES
from config.problems import _BY_CLASS, PROBLEMS

ROOT = Path(__file__).resolve().parents[1]


def _slugs_in_code() -> set[str]:
    """Slugs named in the API code (`slug = "..."`, `slug="..."`) and in the status tables."""
    found = {slug for slug, _ in [*PROBLEMS.values(), *_BY_CLASS.values()]}
    for path in [*(ROOT / "api").glob("*.py"), ROOT / "config" / "problems.py", ROOT / "badges" / "api_verify.py"]:
        found |= set(re.findall(r'slug\s*=\s*"([a-z-]+)"', path.read_text()))
    return found


def test_every_slug_the_apis_send_is_described():
    assert _slugs_in_code() - set(PROBLEM_TYPES) == set()


@pytest.mark.parametrize("slug", sorted(PROBLEM_TYPES))
def test_each_type_has_its_page(client, slug):
    response = client.get(f"/errors/{slug}")
    assert response.status_code == 200
    assert html.escape(PROBLEM_TYPES[slug][0]) in response.content.decode()


def test_the_index_and_an_unknown_type(client):
    index = client.get("/errors/").content.decode()
    assert all(f"/errors/{slug}" in index for slug in PROBLEM_TYPES)
    assert client.get("/errors/no-such-type").status_code == 404


@pytest.mark.django_db
def test_a_real_error_points_at_its_page(client):
    body = client.get("/api/v1/issuers/nobody/credentials").json()  # not authenticated
    slug = body["type"].rsplit("/errors/", 1)[1]
    assert client.get(f"/errors/{slug}").status_code == 200


def test_one_problem_module():
    """No module but config.problems builds problem+json bodies (ob_api answers in its specification's shapes)."""
    builders = []
    for path in ROOT.glob("*/**/*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "node_modules"} or "migrations" in parts:
            continue
        if path == ROOT / "config" / "problems.py":
            continue
        if '"application/problem+json"' in path.read_text():
            builders.append(str(path.relative_to(ROOT)))
    assert builders == []
