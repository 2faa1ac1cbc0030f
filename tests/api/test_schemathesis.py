"""Schemathesis against the generated OpenAPI schema, in process (WSGI): every operation, stateless, a bounded
number of generated requests each, as a token with every scope of a seeded issuer. Each response must not be a
5xx, and must conform to the schema: a documented status code, the documented content type, a body that matches
the documented schema. Deterministic (fixed seed, derandomized) so that a failure reproduces."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.api.conftest import ApiClient, make_token

HOST = "badges.example.test"  # SITE_URL's host: the only one ALLOWED_HOSTS lets through in the tests
# A deeper run by hand: SCHEMATHESIS_MAX_EXAMPLES=200 SCHEMATHESIS_COVERAGE=1 pytest tests/api/test_schemathesis.py
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"))

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260601,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # The coverage phase sends every boundary case the schema defines (hundreds per operation): too slow for
        # every run.
        "phases": {"coverage": {"enabled": os.environ.get("SCHEMATHESIS_COVERAGE") == "1"}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG, headers={"Host": HOST})

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_keeps_the_connection():
    """The requests go through the WSGI handler, not Django's test client: like the test client, keep the handler
    from closing the database connection at the end of each request, which would end the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(db, settings, issuer, user, achievement, wsgi_keeps_the_connection) -> dict[str, Any]:
    """An issuer with one of everything the path parameters can name, and a token with every scope."""
    from badges.models import Achievement
    from badges.services import AwardRequest, credential_issue
    from bulk.jobs import bulk_job_create
    from stacking.services import qualification_save

    settings.API_RATE_LIMIT = ""  # hundreds of requests in a minute are the point here
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="ada@example.org", name="Ada"),
        source="api",
        notify=False,
        actor=user,
    )
    stacked = Achievement.objects.create(
        issuer=issuer, slug="stacked", name="Stacked", description="x", criteria_narrative="Hold the basics."
    )
    qualification = qualification_save(
        issuer=issuer,
        achievement=stacked,
        rule={"kind": "all", "children": [{"kind": "achievement", "achievement": str(achievement.uuid)}]},
        actor=user,
    )
    for slug in ("sql-fundamentals", "python-developer"):  # what the schema's examples name
        Achievement.objects.create(issuer=issuer, slug=slug, name=slug, description="x", criteria_narrative="x")
    job, _ = bulk_job_create(
        issuer=issuer, data=b"email\nada@example.org\nbob@\n", filename="c.csv", achievement=achievement, actor=user
    )
    return {
        "token": make_token(issuer, actor=user)[1],
        "uuids": {
            "achievements": str(achievement.uuid),
            "credentials": str(credential.uuid),
            "qualifications": str(qualification.uuid),
            "bulk-jobs": str(job.uuid),
        },
    }


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)
def test_api_conforms_to_its_schema(case: Any, seeded: dict[str, Any]) -> None:
    # Path parameters name the seeded issuer and its objects, so that generated bodies reach the services; the
    # 404 of other issuers and unknown ids is covered by the endpoint tests.
    if "slug" in case.path_parameters:
        case.path_parameters["slug"] = "uni"
    if "uuid" in case.path_parameters:
        collection = case.operation.path.split("/")[5]
        case.path_parameters["uuid"] = seeded["uuids"][collection]
    headers = {"Authorization": f"Bearer {seeded['token']}", "Host": HOST}
    ApiClient()._run(lambda: case.call_and_validate(headers=headers, checks=CHECKS))


def test_the_browsable_docs_load_only_our_own_assets(client, db):
    import re

    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in source for source in sources), sources
    assert not [source for source in sources if source.startswith(("http:", "https:", "//"))]
    assert "cdn." not in html


def test_the_browsable_docs_ask_no_online_validator(client, db):
    script = client.get("/api/docs/", {"script": ""}).content.decode()

    assert '"validatorUrl": null' in script


def test_every_management_endpoint_is_in_the_schema():
    operations = {(result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()}
    issuer = "/api/v1/issuers/{slug}"
    expected = {
        ("GET", issuer),
        ("PATCH", issuer),
        *{
            (method, f"{issuer}/{name}")
            for name in ("achievements", "credentials", "qualifications")
            for method in ("GET", "POST")
        },
        ("GET", f"{issuer}/achievements/{{uuid}}"),
        ("PATCH", f"{issuer}/achievements/{{uuid}}"),
        ("POST", f"{issuer}/achievements/{{uuid}}/archive"),
        ("POST", f"{issuer}/achievements/{{uuid}}/unarchive"),
        ("GET", f"{issuer}/credentials/{{uuid}}"),
        *{("POST", f"{issuer}/credentials/{{uuid}}/{action}") for action in ("revoke", "suspend", "unsuspend")},
        ("GET", f"{issuer}/qualifications/{{uuid}}"),
        ("PATCH", f"{issuer}/qualifications/{{uuid}}"),
        ("POST", f"{issuer}/qualifications/{{uuid}}/deactivate"),
        ("GET", f"{issuer}/qualifications/{{uuid}}/progress"),
        ("POST", "/api/v1/verify"),
    }
    assert expected <= operations
