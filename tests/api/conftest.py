"""Fixtures of the integrator API tests: tokens of both issuers, a client that sends one, files to upload."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.actors import SETUP, owner

ERRORS = "https://badges.example.test/errors/"
SITE = "https://badges.example.test"
CSV = b"email,name,external_id\nada@example.org,Ada,S-1\nbob@,Bob,S-2\ncy@example.org,Cy,S-3\n"


@pytest.fixture(autouse=True)
def _api_tasks_in_process(tasks_in_process):
    """Every API test: a start issues before it returns."""


class ApiClient:
    """A test client with an `Authorization: Bearer` header (or none) on every request. The test's transaction
    never commits, so each request runs the on-commit callbacks it leaves (the job's tasks) when it returns."""

    capture: Any = None

    def __init__(self, token: str | None = None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.token = token

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def _run(self, call: Any) -> Any:
        if ApiClient.capture is None:
            return call()
        with ApiClient.capture(execute=True):
            return call()

    def get(self, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._run(lambda: self.client.get(path, data, headers=self._headers(headers)))

    def post(self, path: str, data: Any = None, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        if "content_type" not in kwargs and not (isinstance(data, dict) and "file" in data):
            kwargs["content_type"] = "application/json"
        body = data if data is not None else {}
        return self._run(lambda: self.client.post(path, body, headers=self._headers(headers), **kwargs))

    def delete(self, path: str, headers: dict[str, str] | None = None) -> Any:
        return self._run(lambda: self.client.delete(path, headers=self._headers(headers)))

    def generic(self, method: str, path: str, body: bytes | str = b"", headers: dict[str, str] | None = None, **kw):
        return self._run(lambda: self.client.generic(method, path, body, headers=self._headers(headers), **kw))


@pytest.fixture(autouse=True)
def _run_on_commit_callbacks(request):
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        yield  # real commits run their callbacks themselves
        return
    ApiClient.capture = request.getfixturevalue("django_capture_on_commit_callbacks")
    yield
    ApiClient.capture = None


def make_token(issuer: Any, *, scopes: list[str] | None = None, name: str = "ci", actor: Any = None):
    """Without `actor`, made as the create_api_token command does without --user: by the platform, for no one."""
    from api.services import token_create

    return token_create(issuer=issuer, name=name, scopes=scopes, actor=actor or SETUP)


@pytest.fixture
def token(issuer, user):
    """(ApiToken, string) of `issuer` with every scope, created by its owner alice."""
    return make_token(issuer, actor=user)


@pytest.fixture
def api(token):
    return ApiClient(token[1])


@pytest.fixture
def other_api(other_issuer):
    return ApiClient(make_token(other_issuer)[1])


def jobs_url(slug: str = "uni") -> str:
    return f"/api/v1/issuers/{slug}/bulk-jobs"


def job_url(job: Any, suffix: str = "", slug: str | None = None) -> str:
    return f"{jobs_url(slug or job.issuer.slug)}/{job.uuid}{suffix}"


def upload(data: bytes = CSV, name: str = "cohort.csv", **fields: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields}


def assert_problem(response: Any, status: int, slug: str, detail: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body) <= {"type", "title", "status", "detail", "errors"}
    assert body["type"] == ERRORS + slug
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    if detail is not None:
        assert detail in body["detail"]
    return body


@pytest.fixture
def job(issuer, achievement):
    """A validated job of `issuer`: 3 rows, 2 valid."""
    from bulk.jobs import bulk_job_create

    created, _ = bulk_job_create(
        issuer=issuer, data=CSV, filename="cohort.csv", achievement=achievement, actor=owner(issuer)
    )
    return created


@pytest.fixture
def other_job(other_issuer):
    from badges.models import Achievement
    from bulk.jobs import bulk_job_create

    achievement = Achievement.objects.create(issuer=other_issuer, slug="other-badge", name="Other", description="x")
    created, _ = bulk_job_create(
        issuer=other_issuer, data=CSV, filename="theirs.csv", achievement=achievement, actor=owner(other_issuer)
    )
    return created
