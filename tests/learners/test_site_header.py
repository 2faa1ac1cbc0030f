"""Every page's header shows who is signed in, for each kind of sign-in the platform has: issuer staff and operators
(Django users, /accounts/) and learners (an address verified at /me/). Signed out, it offers "Sign in"."""

from __future__ import annotations

import re

import pytest

from tests.learners.conftest import issue, sign_in

pytestmark = pytest.mark.django_db
SIGN_IN_LINK = '<a href="/accounts/login/">Sign in</a>'


def _header(client, path: str = "/") -> str:
    response = client.get(path)
    assert response.status_code == 200
    found = re.search(r'<header class="site">.*?</header>', response.content.decode(), re.S)
    assert found is not None
    return found.group(0)


def _sign_out_form(action: str, label: str) -> re.Pattern[str]:
    # A POST with its CSRF token: Django's LogoutView, like the learner's sign-out, refuses GET.
    return re.compile(
        rf'<form method="post" action="{re.escape(action)}" class="inline-form">'
        rf'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+"><button type="submit" class="secondary">'
        rf"{re.escape(label)}</button></form>"
    )


def test_signed_out_the_header_offers_sign_in(client):
    header = _header(client)
    assert SIGN_IN_LINK in header
    assert "Sign out" not in header
    assert '<a href="/me/">Your credentials</a>' in header


def test_issuer_staff_see_their_name_their_dashboard_and_sign_out(client, user, issuer):
    user.first_name, user.last_name = "Alice", "Owner"
    user.save()
    client.force_login(user)

    header = _header(client, f"/issuers/{issuer.slug}/")

    assert (
        '<span class="who" title="Signed in as alice">Alice Owner <span class="muted">alice@example.com</span></span>'
        in header
    )
    assert '<a href="/manage/">Dashboard</a>' in header
    assert _sign_out_form("/accounts/logout/", "Sign out").search(header)
    assert SIGN_IN_LINK not in header
    assert "/admin/" not in header  # not a platform operator


def test_a_platform_operator_also_gets_the_admin(client, django_user_model):
    operator = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-123456")
    client.force_login(operator)
    header = _header(client)
    assert (
        '<span class="who" title="Signed in as root">root <span class="muted">root@example.com</span></span>' in header
    )
    assert '<a href="/admin/">Admin</a>' in header


def test_signing_out_of_the_header_form_ends_the_staff_session(client, user):
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert SIGN_IN_LINK in _header(client)


def test_a_learner_sees_their_address_their_credentials_and_sign_out(
    client, achievement, outbox, django_capture_on_commit_callbacks
):
    issue(achievement)
    sign_in(client, outbox, django_capture_on_commit_callbacks)

    header = _header(client)

    assert '<span class="who">lea@example.com</span>' in header
    assert '<a href="/me/credentials/">Your credentials</a>' in header
    assert _sign_out_form("/me/sign-out/", "Sign out").search(header)
    assert SIGN_IN_LINK not in header


def test_staff_who_are_also_signed_in_as_learners_get_both_sign_outs(
    client, user, achievement, outbox, django_capture_on_commit_callbacks
):
    issue(achievement)
    sign_in(client, outbox, django_capture_on_commit_callbacks)
    client.force_login(user)

    header = _header(client)

    assert _sign_out_form("/accounts/logout/", "Sign out").search(header)
    assert _sign_out_form("/me/sign-out/", "Sign out of your credentials").search(header)
    assert SIGN_IN_LINK not in header
