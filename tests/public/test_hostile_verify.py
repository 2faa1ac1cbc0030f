"""Hostile requests to POST /api/v1/verify and /verify: each is answered with 413, 400 or a report that is not
valid (indeterminate or invalid), never valid and never a 500, and an ordinary request made while hostile ones
are being processed is answered correctly."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile

import badges.verify
from tests.concurrency import in_thread
from tests.public.test_verify_page import OfflineClient, issue
from tests.verification import hostile
from verification.inputs import InputLimits, check_structure

API = "/api/v1/verify"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


def _under_the_limits() -> dict[str, Any]:
    """About 150 KB: under every limit, genuinely signed, and heavy to check (9,000 tags, 300 alignments)."""
    return hostile.signed(hostile.credential(tags=9_000, alignments=300))


# (case, what is sent, API status, text expected in the problem detail or on the page)
CASES: list[tuple[str, Any, int, str]] = [
    ("1 MB credential with 100,000 tags", lambda: hostile.text(hostile.credential(tags=100_000)), 413, "256 KB"),
    ("50,000 alignments", lambda: hostile.text(hostile.credential(alignments=50_000)), 413, "256 KB"),
    ("10,000-deep nesting", lambda: hostile.nested_text(10_000), 400, "nested more than 32 levels deep"),
    (
        "a huge array",
        lambda: hostile.text({**hostile.credential(), "evidence": [0] * 100_000}),
        400,
        "has 100,000 items; at most 10,000",
    ),
    (
        "over 100,000 values in small arrays",
        lambda: hostile.text({**hostile.credential(), "evidence": [[[0] * 9] * 5_001] * 2}),
        400,
        "more than 100,000 values",
    ),
    ("VC-JWT with 12,000 tags", lambda: hostile.jwt(hostile.credential(tags=12_000)), 400, "12,000 items"),
]


@pytest.mark.parametrize(("_case", "build", "status", "detail"), CASES, ids=[case[0] for case in CASES])
def test_api_refuses_hostile_bodies(client, db, _case, build, status, detail):
    response = client.generic("POST", API, build(), content_type="application/json")
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert detail in response.json()["detail"]


@pytest.mark.parametrize(("_case", "build", "status", "detail"), CASES, ids=[case[0] for case in CASES])
def test_page_refuses_hostile_credentials(client, db, _case, build, status, detail):
    response = client.post("/verify", {"credential": build()})
    assert response.status_code == status
    assert detail in response.content.decode()


@pytest.mark.parametrize(
    ("_case", "credential", "status", "detail"),
    [
        ("credential over the body limit", lambda: hostile.credential(tags=40_000), 413, "larger than 256 KB"),
        ("credential over the array limit", lambda: hostile.credential(tags=20_000), 400, "20,000 items"),
    ],
)
def test_a_baked_image_may_be_larger_but_not_its_credential(client, db, _case, credential, status, detail):
    image = hostile.baked_png(hostile.text(credential()))
    assert len(image) < 2 * 1024 * 1024
    api = client.post(API, {"file": SimpleUploadedFile("badge.png", image, "image/png")})
    assert api.status_code == status
    assert detail in api.json()["detail"]
    page = client.post("/verify", {"file": SimpleUploadedFile("badge.png", image, "image/png")})
    assert page.status_code == status
    assert detail in page.content.decode()


@pytest.mark.parametrize("sent_as", ["JSON", "VC-JWT", "baked PNG"])
def test_over_the_time_budget_the_report_is_indeterminate(client, db, settings, sent_as):
    settings.VERIFY_TIME_BUDGET = 0.0  # the injected budget: spent before the first check
    document = _under_the_limits()
    data = {"JSON": hostile.text, "VC-JWT": hostile.jwt, "baked PNG": lambda d: hostile.baked_png(hostile.text(d))}
    body = data[sent_as](document)
    if sent_as == "baked PNG":
        response = client.post(API, {"file": SimpleUploadedFile("badge.png", body, "image/png")})
        page = client.post("/verify", {"file": SimpleUploadedFile("badge.png", body, "image/png")})
    else:
        response = client.generic("POST", API, body, content_type="application/json")
        page = client.post("/verify", {"credential": body})
    assert response.status_code == 200
    report = response.json()
    assert (report["valid"], report["verdict"]) == (False, "indeterminate")
    assert {check["status"] for check in report["checks"]} >= {"indeterminate"}
    assert page.status_code == 200
    html = page.content.decode()
    assert "Could not be fully checked" in html
    assert "too large or complex to check in the time allowed" in html


def test_with_the_default_budget_the_heavy_credential_verifies(client, db):
    # The credential above is genuine: only the budget made it indeterminate.
    response = client.generic("POST", API, hostile.text(_under_the_limits()), content_type="application/json")
    assert response.json()["verdict"] == "valid"


def test_forged_heavy_credential_is_invalid(client, db):
    forged = hostile.text(hostile.forged(hostile.credential(tags=9_000, alignments=300)))
    report = client.generic("POST", API, forged, content_type="application/json").json()
    assert report["valid"] is False
    assert report["verdict"] in ("invalid", "indeterminate")


def test_issued_credentials_are_far_below_the_limits(achievement):
    # A tenth of each default limit or less, in both formats the platform issues.
    tight = InputLimits(max_depth=16, max_array_items=1_000, max_values=10_000)
    for credential in (issue(achievement), issue(achievement, format="jwt")):
        check_structure(json.loads(credential.document), tight)
        assert len(credential.document.encode()) < 256 * 1024 // 10


def test_an_ordinary_request_is_answered_while_hostile_ones_are_processed(live_server, achievement):
    ordinary = issue(achievement).document
    hostile_bodies = [
        hostile.text(hostile.forged(hostile.credential(tags=9_000, alignments=300))),
        hostile.text(hostile.forged(hostile.credential(alignments=1_400, identical_alignments=True))),
        hostile.text(hostile.credential(tags=100_000)),
        hostile.nested_text(10_000),
    ]
    answers: dict[int, requests.Response] = {}

    def post(number: int, body: str) -> None:
        answers[number] = requests.post(
            live_server.url + API, data=body.encode(), headers={"Content-Type": "application/json"}, timeout=60
        )

    threads = [
        in_thread(lambda number=number, body=body: post(number, body)) for number, body in enumerate(hostile_bodies)
    ]
    mine = requests.post(
        live_server.url + API, data=ordinary.encode(), headers={"Content-Type": "application/json"}, timeout=60
    )
    for thread, errors in threads:
        thread.join()
        assert errors == []

    assert mine.status_code == 200
    assert (mine.json()["valid"], mine.json()["verdict"]) == (True, "valid")
    assert mine.json()["credential"]["issuer"]["name"] == "Test University"
    for number, response in answers.items():
        assert response.status_code in (200, 400, 413), number
        if response.status_code == 200:
            assert response.json()["valid"] is False, number
    assert [answers[number].status_code for number in (2, 3)] == [413, 400]
