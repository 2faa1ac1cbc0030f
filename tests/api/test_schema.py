"""The OpenAPI schema: generated without warnings, served at /api/schema/, covering the endpoints."""

from __future__ import annotations

import yaml
from django.core.management import call_command


def test_the_schema_validates_without_warnings(db, tmp_path):
    path = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    schema = yaml.safe_load(path.read_text())
    assert set(schema["paths"]) >= {  # at least these; tests/api/test_schemathesis.py runs every one
        "/api/v1/issuers/{slug}/bulk-jobs",
        "/api/v1/issuers/{slug}/bulk-jobs/{uuid}",
        "/api/v1/issuers/{slug}/bulk-jobs/{uuid}/rows",
        "/api/v1/issuers/{slug}/bulk-jobs/{uuid}/results",
        "/api/v1/issuers/{slug}/bulk-jobs/{uuid}/start",
        "/api/v1/issuers/{slug}/bulk-jobs/{uuid}/pause",
        "/api/v1/issuers/{slug}/bulk-jobs/{uuid}/cancel",
        "/api/v1/issuers/{slug}/bulk-jobs/{uuid}/undo",
        "/api/v1/verify",
    }
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"
    create = schema["paths"]["/api/v1/issuers/{slug}/bulk-jobs"]["post"]
    assert set(create["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert "Idempotency-Key" in [p["name"] for p in create["parameters"]]
    assert "security" not in schema["paths"]["/api/v1/verify"]["post"]  # open to anyone
    assert {"apiToken": []} in create["security"]


def test_the_schema_is_served(client, db):
    response = client.get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})

    assert response.status_code == 200
    assert "/api/v1/issuers/{slug}/bulk-jobs" in response.json()["paths"]
