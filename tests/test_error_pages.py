"""The error pages people see (403, 404, 500, 503 and the CSRF failure) speak plainly, offer a way back and never
show what failed; under /api/ and /ims/ the same errors stay JSON in each API's shape."""

from __future__ import annotations

import json

import pytest
from django.template.loader import render_to_string
from django.test import Client, override_settings

from tests.error_urls import SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_urls")]
WAYS_BACK = (
    '<a class="button" href="/">Go to the home page</a>',
    '<a class="button secondary" href="/verify">Verify a badge</a>',
)


@pytest.fixture
def visitor():
    # As in production: no debug page, and an exception in a view answered by the handlers, not raised in the test.
    with override_settings(DEBUG=False):
        yield Client(raise_request_exception=False)


def _page(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert [way for way in WAYS_BACK if way not in html] == []
    assert "Traceback" not in html and SECRET not in html
    return html


def test_404_says_there_is_nothing_here(visitor):
    html = _page(visitor.get("/no/such/page"), 404)
    assert "<title>Page not found · Open Badges</title>" in html
    assert "There is nothing at this address." in html


def test_403_says_what_is_not_allowed_and_who_is_signed_in(visitor, user):
    html = _page(visitor.get("/forbidden"), 403)
    assert "<h1>Not allowed</h1>" in html
    assert "Your role (Viewer) does not allow this." in html
    assert 'You may need to <a href="/accounts/login/?next=/forbidden">sign in</a> first.' in html

    visitor.force_login(user)
    html = _page(visitor.get("/forbidden"), 403)
    assert "You are signed in as alice." in html


def test_500_says_it_is_our_fault_and_tells_nothing_of_the_error(visitor, caplog):
    html = _page(visitor.get("/fails"), 500)
    assert "<h1>Something went wrong</h1>" in html
    assert "The page could not be shown because of a problem on our side." in html
    assert "RuntimeError" not in html
    assert any(SECRET in record.getMessage() or SECRET in str(record.exc_info) for record in caplog.records)


def test_400_says_the_request_was_refused_and_nothing_was_saved(visitor):
    html = _page(visitor.get("/suspicious"), 400)
    assert "<title>The request could not be read · Open Badges</title>" in html
    assert "Nothing was saved." in html


def test_a_form_with_too_many_fields_gets_the_400_page_not_a_bare_line(visitor):
    """Django refuses a form past DATA_UPLOAD_MAX_NUMBER_FIELDS before any view reads it; the answer is the site's
    page, not Django's bare "Bad Request (400)"."""
    fields = {f"field{number}": "x" for number in range(1001)}
    html = _page(visitor.post("/accounts/login/", fields), 400)
    assert "<h1>The request could not be read</h1>" in html


def test_the_400_page_is_german_for_a_german_browser(visitor):
    response = visitor.get("/suspicious", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response.status_code == 400
    assert "Die Anfrage konnte nicht gelesen werden" in response.content.decode()


def test_the_500_page_renders_with_no_request_and_no_database(django_assert_num_queries):
    # Used when things fail: Django renders it with an empty context, and it must not need anything more.
    with django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html
    assert 'href="/favicon.ico"' in html


def test_503_asks_to_try_again(visitor):
    response = visitor.get("/database-down")
    html = _page(response, 503)
    assert response["Retry-After"] == "30"
    assert "<h1>Try again in a minute</h1>" in html


def test_a_form_sent_without_its_csrf_token_gets_a_plain_explanation(db):
    strict = Client(enforce_csrf_checks=True)
    with override_settings(DEBUG=False):
        html = _page(strict.post("/accounts/login/", {"username": "alice", "password": "x"}), 403)
    assert "<h1>This form has expired</h1>" in html


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/no/such/thing", 404),
        ("/api/v1/no/such/thing", 404),
        ("/api/forbidden", 403),
        ("/api/fails", 500),
        ("/api/suspicious", 400),
    ],
)
def test_the_api_keeps_answering_problem_details(visitor, path, status):
    response = visitor.get(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].startswith("https://badges.example.test/errors/")
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status"), [("/ims/ob/v3p0/no/such/thing", 404), ("/ims/fails", 500), ("/ims/suspicious", 400)]
)
def test_the_open_badges_api_keeps_answering_imsx_status_info(visitor, path, status):
    response = visitor.get(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["imsx_codeMajor"] == "failure"
    assert SECRET not in response.content.decode()
