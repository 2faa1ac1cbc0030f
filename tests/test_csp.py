"""The Content-Security-Policy without a browser: the header and its directives, the report-only switch, the
report endpoint, templates free of inline script and style, and the list of pages the browser test walks
(tests/site_pages.py) kept complete and true. In Chromium: tests/e2e/test_csp_pages.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from config.csp import allow, origin, policy
from learners.views import LEARNER_SESSION_KEY
from stacking.rules import MAX_DEPTH
from tests.paths import ROOT
from tests.site_pages import (
    FLOW_PAGES,
    LEARNER,
    LEARNER_EMAIL,
    NOT_PAGES,
    OWNER,
    PAGES,
    POST_ONLY,
    build_site,
    directives,
    routes,
)
from tests.test_settings_defaults import PRODUCTION, _python

# What the test settings (SITE_URL https://badges.example.test) give, directive by directive.
EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "https://badges.example.test"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "report-uri": ["/csp-report"],
}


# --- the header ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_html_page_carries_the_policy(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert directives(response["Content-Security-Policy"]) == EXPECTED
    assert "Content-Security-Policy-Report-Only" not in response


@pytest.mark.django_db
def test_a_page_that_uses_the_nonce_gets_it_in_script_and_style_src(rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    request = rf.get("/")
    middleware = CSPMiddleware(lambda request: HttpResponse(f"<script nonce='{request.csp_nonce}'></script>"))
    response = middleware(request)

    nonce = f"'nonce-{request.csp_nonce}'"
    found = directives(response["Content-Security-Policy"])
    assert found["script-src"] == ["'self'", nonce]
    assert found["style-src"] == ["'self'", nonce]


@pytest.mark.django_db
def test_report_only_sends_the_same_policy_under_the_other_header(client, settings):
    settings.CONTENT_SECURITY_POLICY, settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = (
        None,
        settings.CONTENT_SECURITY_POLICY,
    )

    response = client.get("/")

    assert "Content-Security-Policy" not in response
    assert directives(response["Content-Security-Policy-Report-Only"]) == EXPECTED


SHOW_POLICIES = (
    "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps("
    "{n: getattr(s, n) for n in ('CONTENT_SECURITY_POLICY', 'CONTENT_SECURITY_POLICY_REPORT_ONLY')}, default=repr))"
)
DEPLOY_CHECKS = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('check', '--deploy', '--fail-level', 'WARNING')"
)


def _policies(**env: str) -> dict[str, Any]:
    result = _python(SHOW_POLICIES, **PRODUCTION, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_environment_variable_switches_the_policy_to_report_only():
    enforced = _policies()
    report_only = _policies(CSP_REPORT_ONLY="1")

    assert enforced["CONTENT_SECURITY_POLICY_REPORT_ONLY"] is None
    assert report_only["CONTENT_SECURITY_POLICY"] is None
    assert report_only["CONTENT_SECURITY_POLICY_REPORT_ONLY"] == enforced["CONTENT_SECURITY_POLICY"]
    assert enforced["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == [
        "'self'",
        "data:",
        "https://badges.example.org",
    ]


@pytest.mark.parametrize("report_only", ["0", "1"])
def test_the_deployment_checks_pass_in_either_mode(report_only):
    # django-csp's own checks read settings named CSP_*: a setting of ours by such a name fails them.
    result = _python(DEPLOY_CHECKS, **PRODUCTION, CSP_REPORT_ONLY=report_only)

    assert result.returncode == 0, result.stderr


def test_the_media_host_is_added_when_media_urls_are_absolute():
    assert policy(site_url="https://badges.example.org", media_url="/media/")["img-src"] == [
        "'self'",
        "data:",
        "https://badges.example.org",
    ]
    assert policy(site_url="https://badges.example.org", media_url="https://cdn.example.net/media/")["img-src"] == [
        "'self'",
        "data:",
        "https://badges.example.org",
        "https://cdn.example.net",
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://wallet.example.org/callback?x=1", "https://wallet.example.org"),
        ("https://Wallet.Example.org:8443/cb", "https://wallet.example.org:8443"),
        ("http://[::1]:8000/cb", "http://[::1]:8000"),
        ("http://127.0.0.1:9/cb", "http://127.0.0.1:9"),
        ("com.example.wallet:/callback", None),
        ("javascript:alert(1)", None),
        ("https://evil.example;script-src *", None),
        ("https://evil.example%3Bscript-src/x", None),
        ("https://a b.example/", None),
        ("https://user@wallet.example.org/cb", "https://wallet.example.org"),
        ("https://wallet.example.org:99999/", None),
        ("", None),
    ],
)
def test_only_plain_origins_reach_the_header(url, expected):
    assert origin(url) == expected


def test_allow_widens_one_response_and_drops_what_is_not_an_origin():
    from django.http import HttpResponse

    response = allow(HttpResponse(), form_action=["https://wallet.example.org/cb", "x;y"], img_src=[""])

    assert response._csp_update == {"form-action": ["https://wallet.example.org"]}
    assert response._csp_update_ro == response._csp_update


# --- the report endpoint ------------------------------------------------------------------------------------

REPORT = {
    "csp-report": {
        "document-uri": "https://badges.example.test/credentials/x",
        "effective-directive": "style-src-attr",
        "violated-directive": "style-src-attr",
        "blocked-uri": "inline",
        "original-policy": "default-src 'self'",
        "script-sample": "x" * 1000,
    }
}


@pytest.mark.django_db
def test_a_report_is_logged_in_a_few_short_fields(client, caplog):
    caplog.set_level("WARNING", logger="config.views")
    report = {"csp-report": {**REPORT["csp-report"], "blocked-uri": "https://x.example/" + "a" * 500}}

    response = client.post("/csp-report", json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "config.views"]
    message = record.getMessage()
    assert message.startswith("Content-Security-Policy violation (enforced): {'document-uri': ")
    assert "'effective-directive': 'style-src-attr'" in message
    assert "'blocked-uri': 'https://x.example/" + "a" * 182 + "'" in message  # 200 characters
    assert "original-policy" not in message
    assert "script-sample" not in message


@pytest.mark.django_db
def test_a_report_says_when_the_policy_was_only_reported(client, caplog, settings):
    caplog.set_level("WARNING", logger="config.views")
    settings.CONTENT_SECURITY_POLICY, settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = (
        None,
        settings.CONTENT_SECURITY_POLICY,
    )

    client.post("/csp-report", json.dumps(REPORT), content_type="application/csp-report")

    [record] = [r for r in caplog.records if r.name == "config.views"]
    assert record.getMessage().startswith("Content-Security-Policy violation (report-only): ")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"csp-report": "text"}', json.dumps({"csp-report": {"x": 1}}).encode()]
)
def test_reports_that_are_not_reports_are_ignored(client, caplog, body):
    caplog.set_level("WARNING", logger="config.views")

    response = client.post("/csp-report", body, content_type="application/csp-report")

    assert response.status_code == 204
    assert [r for r in caplog.records if r.name == "config.views"] == []


@pytest.mark.django_db
def test_a_report_over_8_kb_is_not_read(client, caplog):
    caplog.set_level("WARNING", logger="config.views")
    report = {"csp-report": {**REPORT["csp-report"], "script-sample": "x" * 8192}}

    response = client.post("/csp-report", json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    assert [r for r in caplog.records if r.name == "config.views"] == []


@pytest.mark.django_db
def test_reports_are_rate_limited_per_client_address(client, caplog):
    caplog.set_level("WARNING", logger="config.views")
    body = json.dumps(REPORT)

    for _ in range(31):
        assert client.post("/csp-report", body, content_type="application/csp-report").status_code == 204
    other = client.post("/csp-report", body, content_type="application/csp-report", REMOTE_ADDR="10.0.0.2")

    assert other.status_code == 204
    assert len([r for r in caplog.records if r.name == "config.views"]) == 31  # 30 from the first address


def test_reports_are_only_posted(client):
    assert client.get("/csp-report").status_code == 405


# --- templates and static files -----------------------------------------------------------------------------

TEMPLATES = sorted(
    path
    for path in (ROOT / "templates").rglob("*.html")
    # E-mails are read in mail clients, which need inline styles and never see our header.
    if "emails" not in path.relative_to(ROOT / "templates").parts
)
INLINE = {
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "<style> block": re.compile(r"<style[\s>]", re.IGNORECASE),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_templates_have_no_inline_script_or_style():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {what}"
        for path in TEMPLATES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for what, pattern in INLINE.items()
        if pattern.search(line)
    ]
    assert len(TEMPLATES) > 60
    assert found == []


@pytest.mark.parametrize("line", ['<p style="x">', "<style>", "<script>", '<a onclick="x">', '<a href="javascript:x">'])
def test_the_template_check_finds_each_kind(line):
    assert any(pattern.search(line) for pattern in INLINE.values())


def test_the_stylesheet_indents_every_depth_of_a_rule():
    css = (ROOT / "static" / "css" / "app.css").read_text()
    depths = {int(n) for n in re.findall(r"\.rule-tree \.depth-(\d+) \{", css)}
    assert depths == set(range(MAX_DEPTH + 1))


# --- every page, every route --------------------------------------------------------------------------------


def test_every_named_route_is_listed_once():
    listed = [*PAGES, *POST_ONLY, *NOT_PAGES, *FLOW_PAGES]
    assert len(listed) == len(set(listed)), "a route is in two lists"
    assert set(routes()) - set(listed) == set(), "new routes: add them to tests/site_pages.py"
    assert set(listed) - set(routes()) == set(), "routes that no longer exist"


@pytest.fixture
def site(db, django_user_model, tasks_in_process):
    return build_site(django_user_model)


def _client_for(audience: str, site) -> Client:
    client = Client()
    if audience == OWNER:
        client.force_login(site.owner)
    elif audience == LEARNER:
        session = client.session
        session[LEARNER_SESSION_KEY] = LEARNER_EMAIL
        session.save()
    return client


def test_every_page_answers_html_with_the_policy(site):
    wrong = []
    for name, audience in sorted(PAGES.items()):
        # A browser asks for HTML: the credential's URL answers JSON to anything else.
        response = _client_for(audience, site).get(site.url(name), follow=True, HTTP_ACCEPT="text/html")
        found = (response.status_code, response["Content-Type"].split(";")[0])
        header = response.get("Content-Security-Policy", "")
        if found != (200, "text/html") or not header or directives(header) != EXPECTED:
            wrong.append((name, *found, header))
    assert wrong == [], "\n".join(map(str, wrong))


def test_post_only_routes_refuse_get(site):
    wrong = []
    for name in sorted(POST_ONLY):
        response = _client_for(OWNER, site).get(site.url(name))
        if response.status_code != 405:
            wrong.append((name, response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_other_routes_answer_no_html_page(site):
    wrong = []
    for name in sorted(NOT_PAGES):
        response = _client_for(OWNER, site).get(site.url(name))
        content_type = response.get("Content-Type", "").split(";")[0]
        if content_type == "text/html" and response.status_code != 302:
            wrong.append((name, response.status_code, content_type))
    assert wrong == [], "\n".join(map(str, wrong))


def test_static_scripts_exist_for_every_script_tag():
    scripts = {
        match
        for path in TEMPLATES
        for match in re.findall(r"<script src=\"\{% static '([^']+)' %\}\"", path.read_text())
    }
    assert scripts == {"js/bulk-progress.js", "js/copy-link.js"}
    assert all(Path(ROOT / "static" / script).is_file() for script in scripts)
