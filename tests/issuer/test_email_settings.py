"""The issuer's e-mail settings on its profile (D52, D58): the language of e-mails to learners who chose none, the
days before expiry that learners are reminded, and the copy of each reminder run."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from issuer.models import AuditEvent
from issuer.services import issuer_update
from tests.actors import owner

pytestmark = pytest.mark.django_db


def _post(client, issuer, **changes):
    from issuer.forms import ProfileForm

    data = {
        key: value for key, value in ProfileForm.initial_for(issuer).items() if key != "image" and value is not None
    }
    data.update({"identifiers-TOTAL_FORMS": "0", "identifiers-INITIAL_FORMS": "0", **changes})
    if not data.get("expiry_reminder_copy"):
        data.pop("expiry_reminder_copy", None)
    for flag in ("issue_jwt_by_default", "embed_images"):
        if not data.get(flag):
            data.pop(flag, None)
    return client.post(f"/manage/{issuer.slug}/profile/", data)


def test_the_owner_sets_language_and_reminders_on_the_profile(client, issuer, user):
    client.force_login(user)

    response = _post(client, issuer, language="de", expiry_reminder_days="7, 30,14", expiry_reminder_copy="on")

    assert response.status_code == 302
    issuer.refresh_from_db()
    assert (issuer.language, issuer.expiry_reminder_days, issuer.expiry_reminder_copy) == ("de", [30, 14, 7], True)
    changed = AuditEvent.objects.filter(action="issuer.updated").latest("pk").data["changed"]
    assert {"language", "expiry_reminder_days", "expiry_reminder_copy"} <= set(changed)


def test_the_profile_form_shows_the_reminder_days_as_typed(client, issuer, user):
    client.force_login(user)

    page = client.get(f"/manage/{issuer.slug}/profile/").content.decode()

    assert 'value="30, 7"' in page
    assert "Remind learners before a credential expires" in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("thirty", "Enter whole numbers of days separated by commas, for example 30, 7."),
        ("0", "Each number of days must be between 1 and 365."),
        ("1,2,3,4,5,6", "At most 5 reminders per credential."),
    ],
)
def test_reminder_days_that_make_no_sense_are_refused_beside_the_field(client, issuer, user, typed, message):
    client.force_login(user)

    response = _post(client, issuer, expiry_reminder_days=typed)

    assert response.status_code == 200
    assert message in response.content.decode()
    issuer.refresh_from_db()
    assert issuer.expiry_reminder_days == [30, 7]


def test_the_service_refuses_a_language_the_site_does_not_offer(issuer):
    with pytest.raises(ValidationError) as refused:
        issuer_update(issuer=issuer, actor=owner(issuer), language="fr")

    assert refused.value.message_dict == {"language": ["Choose one of the languages offered (en, de), or none."]}
    issuer.refresh_from_db()
    assert issuer.language == ""
