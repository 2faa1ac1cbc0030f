"""One error body everywhere under /api/v1/: 400, 401, 403, 404, 405, 413, 415, 429, 500."""

from __future__ import annotations

from api import views_bulk
from tests.api.conftest import ApiClient, assert_problem, job_url, jobs_url, make_token
from tests.conftest import cache_warnings


def test_400_field_errors(api, issuer):
    problem = assert_problem(api.post(jobs_url(), {"rows": []}), 400, "invalid-request")

    assert problem["title"] == "The request has invalid fields"
    assert set(problem["errors"]) == {"rows"}
    assert problem["detail"].startswith("rows: ")


def test_400_malformed_json(api, issuer):
    response = api.generic("POST", jobs_url(), b'{"rows": [', content_type="application/json")

    assert_problem(response, 400, "malformed-request", "JSON parse error")


def test_401(db, issuer):
    assert_problem(ApiClient().get(jobs_url()), 401, "not-authenticated")


def test_403(issuer):
    client = ApiClient(make_token(issuer, scopes=["issuer:read"])[1])

    assert_problem(client.get(jobs_url()), 403, "insufficient-scope")


def test_404_unknown_job_and_unknown_path(api, issuer):
    assert_problem(api.get(jobs_url() + "/00000000-0000-0000-0000-000000000000"), 404, "not-found")
    assert_problem(api.get(jobs_url() + "/not-a-uuid"), 404, "not-found")
    assert_problem(api.get("/api/v1/nothing/here"), 404, "not-found", "No such endpoint.")


def test_405(api, job):
    response = api.generic("PUT", job_url(job), b"{}", content_type="application/json")

    assert_problem(response, 405, "method-not-allowed", 'Method "PUT" not allowed.')
    assert_problem(api.get(job_url(job, "/start")), 405, "method-not-allowed")
    assert_problem(api.generic("DELETE", jobs_url()), 405, "method-not-allowed")


def test_415(api, issuer):
    response = api.generic("POST", jobs_url(), b"email\na@example.org\n", content_type="text/csv")

    assert_problem(response, 415, "unsupported-media-type", "text/csv")
    form = api.generic("POST", jobs_url(), b"rows=1", content_type="application/x-www-form-urlencoded")
    assert_problem(form, 415, "unsupported-media-type")


def test_406_for_an_unservable_accept(api, issuer):
    assert_problem(api.get(jobs_url(), headers={"Accept": "text/html"}), 406, "not-acceptable")


def test_429_with_retry_after(api, issuer, settings):
    settings.API_RATE_LIMIT = "2/minute"

    assert api.get(jobs_url()).status_code == 200
    assert api.get(jobs_url()).status_code == 200
    response = api.get(jobs_url())

    assert_problem(response, 429, "rate-limited")
    assert 0 < int(response["Retry-After"]) <= 60


def test_the_rate_is_per_token(api, issuer, settings):
    settings.API_RATE_LIMIT = "1/minute"
    other = ApiClient(make_token(issuer, name="second")[1])

    assert api.get(jobs_url()).status_code == 200
    assert api.get(jobs_url()).status_code == 429
    assert other.get(jobs_url()).status_code == 200


def test_a_cache_that_is_down_leaves_the_api_answering(api, issuer, settings, cache_down):
    settings.API_RATE_LIMIT = "1/minute"

    assert api.get(jobs_url()).status_code == 200
    assert api.get(jobs_url()).status_code == 200
    assert cache_warnings(cache_down)


def test_500_is_logged_and_says_nothing_of_the_code(api, job, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(views_bulk._JOB_CHANGES, "pause", broken)

    response = api.post(job_url(job, "/pause"))

    problem = assert_problem(response, 500, "server-error")
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert problem["detail"] == "Something went wrong on our side; it has been logged."
    assert any("Unhandled error in POST" in record.message and record.exc_info for record in caplog.records)


def test_verify_keeps_its_own_shape(client, db):
    # POST /api/v1/verify: no authentication, its own four-member body (tests/public/test_verify_api.py has more).
    response = client.generic("POST", "/api/v1/verify", b"", content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"type", "title", "detail", "status"}
