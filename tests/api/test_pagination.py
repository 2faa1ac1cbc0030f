"""limit/offset pages: count, links, X-Total-Count, and the edges (0, negative, too large, past the end)."""

from __future__ import annotations

import pytest

from bulk.jobs import bulk_job_create
from tests.actors import owner
from tests.api.conftest import CSV, SITE, assert_problem, job_url, jobs_url


@pytest.fixture
def five_jobs(issuer, achievement):
    return [
        bulk_job_create(issuer=issuer, data=CSV, filename=f"f{n}.csv", achievement=achievement, actor=owner(issuer))[0]
        for n in range(5)
    ]


@pytest.fixture
def big_job(issuer, achievement):
    data = ("email\n" + "".join(f"l{n}@example.org\n" for n in range(250))).encode()
    return bulk_job_create(issuer=issuer, data=data, filename="big.csv", achievement=achievement, actor=owner(issuer))[
        0
    ]


def test_a_page_with_links_and_total(api, five_jobs):
    response = api.get(jobs_url(), {"limit": 2, "offset": 2})

    body = response.json()
    assert response["X-Total-Count"] == "5"
    assert body["count"] == 5
    assert [item["file_name"] for item in body["results"]] == ["f2.csv", "f1.csv"]  # newest first
    assert body["next"] == f"{SITE}/api/v1/issuers/uni/bulk-jobs?limit=2&offset=4"
    assert body["previous"] == f"{SITE}/api/v1/issuers/uni/bulk-jobs?limit=2"


def test_the_last_page_has_no_next(api, five_jobs):
    body = api.get(jobs_url(), {"limit": 2, "offset": 4}).json()

    assert [item["file_name"] for item in body["results"]] == ["f0.csv"]
    assert body["next"] is None
    assert body["previous"] == f"{SITE}/api/v1/issuers/uni/bulk-jobs?limit=2&offset=2"


def test_an_offset_past_the_end_is_an_empty_page(api, five_jobs):
    response = api.get(jobs_url(), {"offset": 50})

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert response.json()["count"] == 5
    assert response.json()["next"] is None
    assert response["X-Total-Count"] == "5"


def test_an_empty_list(api, issuer):
    body = api.get(jobs_url()).json()

    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def test_default_and_maximum_limits(api, big_job):
    default = api.get(job_url(big_job, "/rows")).json()
    assert default["count"] == 250
    assert len(default["results"]) == 50
    assert [row["line"] for row in default["results"]][:3] == [2, 3, 4]

    capped = api.get(job_url(big_job, "/rows"), {"limit": 1000}).json()
    assert len(capped["results"]) == 200
    assert capped["next"] == f"{SITE}/api/v1/issuers/uni/bulk-jobs/{big_job.uuid}/rows?limit=200&offset=200"


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": 0}, "limit"), ({"limit": -5}, "limit"), ({"limit": "ten"}, "limit"), ({"offset": -1}, "offset")],
)
def test_bad_paging_parameters_are_400(api, five_jobs, query, field):
    problem = assert_problem(api.get(jobs_url(), query), 400, "invalid-request")

    assert list(problem["errors"]) == [field]
