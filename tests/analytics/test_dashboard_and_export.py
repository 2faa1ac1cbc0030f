"""The issuer sees its counts on the dashboard, in English and German, and downloads them as CSV; no other issuer's
staff can."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from analytics.selectors import analytics_export
from analytics.services import count_activity
from badges.models import Achievement
from badges.services import AwardRequest, credential_issue
from tests.actors import owner
from tests.ui.conftest import expected_status


def _issue(achievement):
    request = AwardRequest(achievement=achievement, email="lea@example.com", name="Lea Rner")
    return credential_issue(request=request, source="ui", notify=False, actor=owner(achievement.issuer))


@pytest.fixture
def counted(achievement):
    _issue(achievement)
    issuer_id = achievement.issuer_id
    for _ in range(3):
        count_activity("view", issuer_id, achievement.pk)
    count_activity("verification", issuer_id, achievement.pk)
    count_activity("share", issuer_id, achievement.pk, day=timezone.localdate() - timedelta(days=40))
    # An achievement whose name a spreadsheet would run as a formula.
    formula = Achievement.objects.create(issuer=achievement.issuer, slug="sum", name="=SUM(A1:A9)")
    count_activity("view", issuer_id, formula.pk)
    return achievement


def test_the_dashboard_shows_each_kind_per_month_and_per_achievement(client_as, counted):
    response = client_as("viewer").get(f"/manage/{counted.issuer.slug}/")
    charts = {chart["kind"]: chart for chart in response.context["analytics_charts"]}
    assert list(charts) == ["issued", "wallet", "backpack", "view", "verification", "share"]
    assert {kind: chart["total"] for kind, chart in charts.items()} == {
        "issued": 1, "wallet": 0, "backpack": 0, "view": 4, "verification": 1, "share": 1,
    }  # fmt: skip
    assert [point["count"] for point in charts["view"]["points"]][-1] == 4
    assert len(charts["view"]["points"]) == 12
    rows = {row["name"]: row["counts"] for row in response.context["analytics_achievements"]}
    assert rows == {"=SUM(A1:A9)": [0, 0, 0, 1, 0, 0], "Python Basics": [1, 0, 0, 3, 1, 1]}
    html = response.content.decode()
    assert "What happens to your credentials" in html
    assert f'href="/manage/{counted.issuer.slug}/analytics.csv"' in html


def test_the_dashboard_in_german(client_as, counted):
    response = client_as("viewer").get(f"/manage/{counted.issuer.slug}/", HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    for words in ("Was mit Ihren Nachweisen geschieht", "Seitenaufrufe", "Prüfungen", "In eine Wallet übernommen"):
        assert words in html


def test_the_csv_has_every_day_guarded_against_formulas(client_as, counted):
    response = client_as("viewer").get(f"/manage/{counted.issuer.slug}/analytics.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    today, earlier = timezone.localdate().isoformat(), (timezone.localdate() - timedelta(days=40)).isoformat()
    assert rows == [
        ["day", "achievement", "achievement_name", "kind", "count"],
        [earlier, "python-basics", "Python Basics", "share", "1"],
        [today, "python-basics", "Python Basics", "issued", "1"],
        [today, "python-basics", "Python Basics", "view", "3"],
        [today, "python-basics", "Python Basics", "verification", "1"],
        [today, "sum", "'=SUM(A1:A9)", "view", "1"],
    ]


@pytest.mark.parametrize("who", [None, "stranger", "owner", "editor", "awarder", "viewer"])
def test_the_csv_is_for_the_issuers_staff(client_as, counted, who):
    response = client_as(who).get(f"/manage/{counted.issuer.slug}/analytics.csv")
    assert response.status_code == expected_status(who, {"owner", "editor", "awarder", "viewer"})


def test_another_issuers_staff_is_refused_by_the_selector_too(counted, other_issuer):
    with pytest.raises(PermissionDenied):
        analytics_export(issuer=counted.issuer, actor=owner(other_issuer))
