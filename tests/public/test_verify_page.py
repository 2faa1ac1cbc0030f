"""/verify and /verify/<uuid>: the public verifier for people. Nothing is stored; bad input gets the form back."""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import badges.verify
from analytics.models import DailyCount
from badges.models import StatusList
from badges.services import AwardRequest, credential_issue, credential_revoke, credential_suspend
from badges.status_lists import status_list_document
from tests.actors import owner
from tests.conftest import cache_warnings
from tests.paths import SAMPLES
from verification.errors import FetchError
from verification.http import HardenedClient

FOREIGN_NOTE = "This issuer is not known to this platform; the checks above say what was verified."


class OfflineClient:
    """The hardened client on a machine without network: every foreign fetch fails as a FetchError."""

    allow_http = False
    allowed_schemes = ("https",)

    def get_json(self, url: str, accept: str = "") -> Any:
        raise FetchError(f"No network in the test environment ({url}).")

    def get(self, url: str, *, accept: str, redirects: int = 0) -> Any:
        raise FetchError(f"No network in the test environment ({url}).")


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setattr(badges.verify, "outbound_client", OfflineClient)


def issue(achievement, **kwargs):
    params = {"achievement": achievement, "email": "lea@example.com", "name": "Lea Rner"}
    params.update(kwargs)
    return credential_issue(request=AwardRequest(**params), source="ui", actor=owner(achievement.issuer), notify=False)


def issue_expired(achievement, monkeypatch):
    """Issued (and signed) 400 days ago with a 30-day validity: honestly expired today."""
    past = timezone.now() - timedelta(days=400)
    with monkeypatch.context() as patched:
        patched.setattr(timezone, "now", lambda: past)
        return issue(achievement, valid_until=past + timedelta(days=30))


def post(client, **fields):
    return client.post(reverse("badges:verify"), fields)


def statuses(response) -> dict[str, str]:
    return {check["id"]: check["status"] for check in response.context["checks"]}


# The one table a verification adds to: the issuer's count of verifications per achievement and day, which holds
# nothing about the credential's holder or whoever checked it (analytics, D62).
COUNTS_TABLE = DailyCount._meta.db_table


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models() if model is not DailyCount}


@contextmanager
def assert_nothing_stored():
    """No INSERT/UPDATE/DELETE while verifying, and every table has as many rows after as before, the issuer's
    anonymous counts aside. Status lists are signed beforehand: re-signing a stale list is the list's own cache (D6),
    not something verification stores."""
    for status_list in StatusList.objects.all():
        status_list_document(status_list)
    before = row_counts()
    with CaptureQueriesContext(connection) as queries:
        yield
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) and COUNTS_TABLE not in q["sql"]
    ]
    assert writes == []
    assert row_counts() == before


# --------------------------------------------------------------------------------------------------------------
# The form


def test_form_is_public(client, db):
    response = client.get("/verify")
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("badges:verify") == "/verify"
    assert 'enctype="multipart/form-data"' in html
    for name in ("credential", "file", "url", "recipient"):
        assert f'name="{name}"' in html


# --------------------------------------------------------------------------------------------------------------
# Our credentials


def test_valid_credential_pasted(client, achievement):
    credential = issue(achievement)
    response = post(client, credential=credential.document)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["verdict"] == "Valid"
    assert response.context["reason"] == "Every check passed."
    assert set(statuses(response).values()) <= {"passed", "skipped"}
    assert statuses(response)["proof"] == "passed"
    assert '<span class="badge-status check-passed">Passed</span>' in html
    assert "Test University" in html
    assert "did:web:badges.example.test:issuers:uni" in html
    assert "Python Basics" in html
    assert FOREIGN_NOTE not in html
    assert response.context["known_issuer"].slug == "uni"
    assert "The issuer, <strong>Test University</strong>, is on this platform." in html


def test_vc_jwt_pasted(client, achievement):
    credential = issue(achievement, format="jwt")
    response = post(client, credential=credential.jws)
    assert response.status_code == 200
    assert response.context["verdict"] == "Valid"
    assert response.context["report"].format == "jwt"
    assert "VC-JWT" in response.content.decode()


@pytest.mark.parametrize(
    ("_case", "act", "failed_check", "reason"),
    [
        (
            "revoked",
            lambda c: credential_revoke(credential=c, reason="fraud", actor=owner(c.issuer)),
            "status",
            "revoked",
        ),
        (
            "suspended",
            lambda c: credential_suspend(credential=c, reason="review", actor=owner(c.issuer)),
            "status",
            "suspended",
        ),
    ],
)
def test_revoked_and_suspended(client, achievement, _case, act, failed_check, reason):
    credential = issue(achievement)
    act(credential)
    response = post(client, credential=credential.document)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["verdict"] == "Not valid"
    assert statuses(response)[failed_check] == "failed"
    assert response.context["reason"].startswith(f"The credential is {reason} (index ")
    assert response.context["reason"].count(". ") == 0
    assert '<span class="badge-status check-failed">Failed</span>' in html
    assert "fraud" not in html and "review" not in html  # the reason is for staff


def test_expired(client, achievement, monkeypatch):
    credential = issue_expired(achievement, monkeypatch)
    response = post(client, credential=credential.document)
    assert response.status_code == 200
    assert response.context["verdict"] == "Not valid"
    assert statuses(response)["valid_until"] == "failed"
    assert statuses(response)["proof"] == "passed"
    assert response.context["reason"] == response.context["report"].check("valid_until").message
    assert response.context["summary"]["validUntil"] in response.content.decode()


def test_recipient_match_and_mismatch(client, achievement):
    credential = issue(achievement)
    match = post(client, credential=credential.document, recipient="lea@example.com")
    assert statuses(match)["recipient"] == "passed"
    assert match.context["verdict"] == "Valid"
    mismatch = post(client, credential=credential.document, recipient="someone@example.com")
    assert statuses(mismatch)["recipient"] == "failed"
    assert mismatch.context["verdict"] == "Not valid"
    assert mismatch.context["reason"] == mismatch.context["report"].check("recipient").message
    assert "lea@example.com" not in mismatch.content.decode()


def test_our_credential_url_is_read_from_the_database(client, achievement):
    credential = issue(achievement)
    response = post(client, url=credential.public_id)  # pytest-socket would refuse any network use
    assert response.status_code == 200
    assert response.context["verdict"] == "Valid"


def test_verify_by_id(client, achievement):
    credential = issue(achievement)
    url = reverse("badges:verify-credential", kwargs={"uuid": credential.uuid})
    assert url == f"/verify/{credential.uuid}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["verdict"] == "Valid"
    assert f'href="/credentials/{credential.uuid}"' in response.content.decode()
    credential_revoke(credential=credential, reason="fraud", actor=owner(achievement.issuer))
    response = client.get(url)
    assert response.context["verdict"] == "Not valid"
    assert statuses(response)["status"] == "failed"


def test_verify_by_id_of_a_jwt_only_credential(client, achievement):
    credential = issue(achievement, format="jwt")
    response = client.get(reverse("badges:verify-credential", kwargs={"uuid": credential.uuid}))
    assert response.context["verdict"] == "Valid"
    assert response.context["report"].format == "jwt"


def test_verify_by_unknown_id_is_404(client, db):
    assert client.get("/verify/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/verify/not-a-uuid").status_code == 404


# --------------------------------------------------------------------------------------------------------------
# Foreign credentials (the 1EdTech samples, offline)


def test_foreign_baked_svg_with_a_key_in_its_header_is_not_valid(client, db):
    upload = SimpleUploadedFile("simple-jwt.svg", (SAMPLES / "simple-jwt.svg").read_bytes(), "image/svg+xml")
    response = client.post("/verify", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["verdict"] == "Not valid"
    assert statuses(response)["issuer_key"] == "failed"
    assert "nothing binds it to the issuer" in response.context["reason"]
    assert 'data-verdict="invalid"' in html and "✓" not in html
    assert FOREIGN_NOTE in html
    assert "Example Corp" in html and "Teamwork" in html


def test_foreign_baked_png_with_a_fragment_key_could_not_be_fully_checked(client, db):
    upload = SimpleUploadedFile("simple-json.png", (SAMPLES / "simple-json.png").read_bytes(), "image/png")
    response = client.post("/verify", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200
    # The issuer's document, which alone could bind the key named in the URL fragment, cannot be fetched in
    # the tests: indeterminate, never valid (docs/decisions.md D26).
    assert response.context["verdict"] == "Could not be fully checked"
    assert statuses(response)["proof"] == "indeterminate"
    assert response.context["reason"] == (
        "Could not be fully checked right now: the issuer's public key could not be retrieved — try again later. "
        "It is not shown as valid until it is."
    )
    assert 'data-verdict="indeterminate"' in html and "✓" not in html
    assert '<span class="badge-status check-indeterminate">Could not check</span>' in html
    assert FOREIGN_NOTE in html


def test_foreign_expired(client, db):
    response = post(client, credential=(SAMPLES / "simple-err-expired.json").read_text())
    assert response.status_code == 200
    assert response.context["verdict"] == "Not valid"
    assert statuses(response)["valid_until"] == "failed"
    assert response.context["summary"]["validUntil"] == "2010-01-01T00:00:00Z"


# --------------------------------------------------------------------------------------------------------------
# Bad input: the form again, HTTP 400, a precise message, the user's words kept


def _png_without_credential() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_empty(client, db):
    response = post(client, credential="   ", recipient="lea@example.com")
    assert response.status_code == 400
    assert "Give a credential to verify: paste it, upload a file or enter its URL." in response.content.decode()
    assert 'value="lea@example.com"' in response.content.decode()


def test_garbage_keeps_the_text(client, db):
    response = post(client, credential="hello <world>")
    html = response.content.decode()
    assert response.status_code == 400
    assert "The input is neither JSON, a compact JWS, nor a baked PNG/SVG badge" in html
    assert "hello &lt;world&gt;</textarea>" in html
    assert "Traceback" not in html


def test_broken_json(client, db):
    response = post(client, credential='{"@context": ')
    assert response.status_code == 400
    assert "The input is not valid JSON (line 1, column 13: Expecting value)." in response.content.decode()


def test_several_sources(client, db):
    response = post(client, credential="{}", url="https://example.org/c.json")
    assert response.status_code == 400
    assert "Give one credential at a time" in response.content.decode()


def test_invalid_recipient(client, achievement):
    response = post(client, credential=issue(achievement).document, recipient="not an address")
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_credential_file_over_256_kb(client, db):
    upload = SimpleUploadedFile("big.json", b"{" + b" " * (256 * 1024) + b"}", "application/json")
    response = client.post("/verify", {"file": upload, "recipient": "lea@example.com"})
    html = response.content.decode()
    assert response.status_code == 413
    assert "The credential is larger than 256 KB; a credential never is." in html
    assert 'value="lea@example.com"' in html


def test_image_file_over_2_mb(client, db):
    upload = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), "image/png")
    response = client.post("/verify", {"file": upload, "recipient": "lea@example.com"})
    assert response.status_code == 413
    assert "The file is larger than 2 MB; neither a credential nor a baked badge image ever is." in (
        response.content.decode()
    )


def test_request_far_over_the_limit_is_refused_unread(client, db):
    upload = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (3 * 1024 * 1024), "image/png")
    response = client.post("/verify", {"file": upload})
    assert response.status_code == 413
    assert "The file is larger than 2 MB; neither a credential nor a baked badge image ever is." in (
        response.content.decode()
    )


def test_png_without_credential(client, db):
    upload = SimpleUploadedFile("plain.png", _png_without_credential(), "image/png")
    response = client.post("/verify", {"file": upload})
    assert response.status_code == 400
    assert "openbadgecredential" in response.content.decode()


def test_url_to_a_private_address_is_refused(client, db, monkeypatch):
    monkeypatch.setattr(badges.verify, "outbound_client", HardenedClient.from_settings)
    response = post(client, url="https://127.0.0.1/credential.json")
    html = response.content.decode()
    assert response.status_code == 400
    assert "which is not a public internet address" in html
    assert 'value="https://127.0.0.1/credential.json"' in html


def test_plain_http_url_outside_debug(client, db, monkeypatch):
    monkeypatch.setattr(badges.verify, "outbound_client", HardenedClient.from_settings)
    response = post(client, url="http://example.org/credential.json")
    assert response.status_code == 400
    assert "Only https URLs are fetched, not http ones" in response.content.decode()


def test_plain_http_allowed_in_debug_but_not_to_a_private_address(client, db, settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.setattr(badges.verify, "outbound_client", HardenedClient.from_settings)
    response = post(client, url="http://127.0.0.1:8000/credential.json")
    assert response.status_code == 400
    assert "Only https" not in response.content.decode()
    assert "which is not a public internet address" in response.content.decode()


# --------------------------------------------------------------------------------------------------------------
# Nothing is stored


def test_nothing_is_stored(client, achievement, monkeypatch):
    valid = issue(achievement)
    revoked = issue(achievement, email="rev@example.com")
    credential_revoke(credential=revoked, reason="fraud", actor=owner(achievement.issuer))
    expired = issue_expired(achievement, monkeypatch)
    svg = (SAMPLES / "simple-jwt.svg").read_bytes()
    with assert_nothing_stored():
        assert post(client, credential=valid.document, recipient="lea@example.com").status_code == 200
        assert post(client, credential=revoked.document).status_code == 200
        assert post(client, credential=expired.document).status_code == 200
        assert post(client, url=valid.public_id).status_code == 200
        assert client.post("/verify", {"file": SimpleUploadedFile("b.svg", svg, "image/svg+xml")}).status_code == 200
        assert post(client, credential="garbage").status_code == 400
        assert client.get(f"/verify/{valid.uuid}").status_code == 200


def test_the_page_is_rate_limited_per_address(client, db, settings):
    for _ in range(60):
        assert post(client, credential="not a credential").status_code == 400
    response = post(client, credential="not a credential")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many verifications" in response.content.decode()


def test_a_cache_that_is_down_leaves_the_page_answering(client, achievement, cache_down):
    response = post(client, credential=issue(achievement).document)
    assert response.status_code == 200
    assert response.context["verdict"] == "Valid"
    assert post(client, credential="not a credential").status_code == 400
    assert cache_warnings(cache_down)


def test_verifying_with_a_stale_status_list_writes_nothing(client, achievement):
    from badges.models import StatusList
    from badges.services import credential_revoke

    credential = issue(achievement)
    client.get(f"/issuers/{achievement.issuer.slug}/status/revocation/{credential.status_sequence}")
    credential_revoke(
        credential=credential, reason="test", actor=owner(achievement.issuer)
    )  # the stored signed list is now out of date
    before = {lst.pk: (lst.version, lst.signed_version, lst.signed_document) for lst in StatusList.objects.all()}
    response = client.get(reverse("badges:verify-credential", args=[credential.uuid]))
    assert response.context["verdict"] == "Not valid"
    assert statuses(response)["status"] == "failed"
    after = {lst.pk: (lst.version, lst.signed_version, lst.signed_document) for lst in StatusList.objects.all()}
    assert after == before
