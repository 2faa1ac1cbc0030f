"""The database cannot answer: every route says 503 with Retry-After in its own shape — a page, problem+json under
/api/, Imsx_StatusInfo under /ims/ — and never a 500 or a stack trace (docs/decisions.md D37).

Two ways down: every query refused at Django's driver boundary in this process (as tests/public's verifier tests
do), which lets a signed-in session reach the point where it needs the database; and a separate process whose
DATABASE_URL names a PostgreSQL port where nothing listens, so the driver's own connection fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.db import OperationalError
from django.test import Client

from config.views import server_error
from tests.actors import owner
from tests.api.conftest import make_token
from tests.paths import ROOT
from tests.public.test_verify_fails_closed import database_down

pytestmark = pytest.mark.django_db

PAGE = "text/html; charset=utf-8"
PROBLEM = "application/problem+json"
IMSX = "application/json"


@pytest.fixture
def browser():
    # Django's test client re-raises what a view raised; a browser gets what the 500 handler answers.
    return Client(raise_request_exception=False)


def _assert_unavailable(response, content_type: str) -> str:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == content_type
    text = response.content.decode()
    assert "Traceback" not in text and "OperationalError" not in text
    return text


def test_pages_answer_503_with_a_page_that_needs_no_database(browser, user, achievement):
    from badges.services import AwardRequest, credential_issue

    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="lea@example.com"),
        source="ui",
        actor=owner(achievement.issuer),
    )
    browser.force_login(user)  # the dashboard's session is looked up in the database on the next request

    with database_down():
        home = browser.get("/")
        public = browser.get(f"/credentials/{credential.uuid}", headers={"Accept": "text/html"})
        dashboard = browser.get("/manage/uni/")

    for response in (home, public, dashboard):
        page = _assert_unavailable(response, PAGE)
        assert "<h1>Try again in a minute</h1>" in page
        assert "The site cannot reach its records right now" in page
        assert response["Cache-Control"] == "no-store"


def test_the_api_answers_503_problem_json(browser, issuer, user):
    bearer = {"Authorization": f"Bearer {make_token(issuer, actor=user)[1]}"}

    with database_down():
        listed = browser.get("/api/v1/issuers/uni/credentials", headers=bearer)

    body = json.loads(_assert_unavailable(listed, PROBLEM))
    assert body == {
        "type": "https://badges.example.test/errors/unavailable",
        "title": "The service cannot answer right now",
        "status": 503,
        "detail": "The platform cannot reach its database right now. Send the request again after Retry-After seconds.",
    }


def test_the_open_badges_api_answers_503_imsx(browser):
    with database_down():
        credentials = browser.get("/ims/ob/v3p0/credentials", headers={"Authorization": "Bearer not-checked-yet"})
        discovery = browser.get("/ims/ob/v3p0/discovery")

    body = json.loads(_assert_unavailable(credentials, IMSX))
    assert (body["imsx_codeMajor"], body["imsx_severity"]) == ("failure", "error")
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "server_busy"
    assert discovery.status_code == 200  # the service description needs no database


def test_healthz_answers_503(browser):
    with database_down():
        response = browser.get("/healthz")

    assert _assert_unavailable(response, "text/plain") == "database unavailable\n"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/manage/uni/", PAGE), ("/api/v1/anything", PROBLEM), ("/ims/ob/v3p0/token", IMSX)],
)
def test_the_500_handler_answers_a_database_error_in_the_routes_shape(rf, path, content_type):
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(rf.get(path))
    _assert_unavailable(response, content_type)


def test_any_other_error_is_still_a_500(rf):
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


# --- the driver cannot connect at all ---------------------------------------------------------------------------

UNREACHABLE = """
import json, django
from django.test.utils import setup_test_environment
django.setup()
setup_test_environment()
from django.test import Client
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "a-session-that-must-be-looked-up"
bearer = {"Authorization": "Bearer obp_abcd1234_a-well-formed-token-looked-up-by-its-prefix"}
requests = [
    ("GET", "/", {}),
    ("GET", "/credentials/%(uuid)s", {"Accept": "text/html"}),
    ("GET", "/manage/uni/", {}),
    ("GET", "/api/v1/issuers/uni/credentials", bearer),
    ("GET", "/ims/ob/v3p0/credentials", bearer),
    ("POST", "/ims/ob/v3p0/token", {"grant_type": "refresh_token", "refresh_token": "r", "client_id": "c"}),
    ("GET", "/ims/ob/v3p0/discovery", {}),
    ("GET", "/healthz", {}),
]
for method, path, data in requests:
    if method == "GET":
        response = client.get(path, headers=data)
    else:
        response = client.post(path, data)  # a form, as OAuth clients send it
    print(json.dumps({
        "path": path,
        "status": response.status_code,
        "type": response.get("Content-Type", ""),
        "retry_after": response.get("Retry-After"),
        "body": response.content.decode(errors="replace")[:2000],
    }))
"""


def test_with_the_database_unreachable_every_route_that_needs_it_answers_503():
    # A PostgreSQL address where nothing listens: the driver's connection is refused on every request.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/unreachable",
    }
    missing = uuid.uuid4()
    code = UNREACHABLE % {"uuid": missing}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = {line["path"]: line for line in map(json.loads, result.stdout.strip().splitlines())}

    statuses = {path: (answer["status"], answer["type"], answer["retry_after"]) for path, answer in answers.items()}
    retry = "30"
    assert statuses == {
        "/": (503, PAGE, retry),
        f"/credentials/{missing}": (503, PAGE, retry),
        "/manage/uni/": (503, PAGE, retry),
        "/api/v1/issuers/uni/credentials": (503, PROBLEM, retry),
        "/ims/ob/v3p0/credentials": (503, IMSX, retry),
        "/ims/ob/v3p0/token": (503, IMSX, retry),
        "/ims/ob/v3p0/discovery": (200, IMSX, None),
        "/healthz": (503, "text/plain", retry),
    }
    assert all("Traceback" not in answer["body"] for answer in answers.values())
    # the driver's own refusal, as logged by the process: the connection never opened
    assert "Connection refused" in result.stderr or "connection failed" in result.stderr
