"""The endorsements page and the public pages that list endorsements (D63), through HTTP as a browser uses them."""

from __future__ import annotations

import json

import pytest

from badges.models import Endorsement, EndorsementState
from issuer.services import membership_set
from tests.actors import owner
from tests.endorsements.test_services import _outside, _signed

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user, backend="accounts.backends.UsernameOrEmailBackend")
    return client


def test_an_issuer_endorses_from_its_page_and_the_endorsed_issuer_accepts(client, achievement, other_issuer):
    endorser = _signed_in(client, owner(other_issuer))
    response = endorser.post(
        f"/manage/{other_issuer.slug}/endorsements/new/",
        {"subject": achievement.public_id, "comment": "Demanding and fair."},
    )
    assert response.status_code == 302
    endorsement = Endorsement.objects.get()
    assert (endorsement.state, endorsement.endorser, endorsement.achievement) == ("pending", other_issuer, achievement)
    assert "Demanding and fair." not in client.get(f"/achievements/{achievement.uuid}").content.decode()

    endorsed = _signed_in(client, owner(achievement.issuer))
    page = endorsed.get(f"/manage/{achievement.issuer.slug}/endorsements/").content.decode()
    assert "Demanding and fair." in page and "Waiting for a decision" in page
    response = endorsed.post(f"/manage/{achievement.issuer.slug}/endorsements/{endorsement.uuid}/accept/")
    assert response.status_code == 302
    endorsement.refresh_from_db()
    assert endorsement.state == EndorsementState.ACCEPTED


def test_the_endorse_form_names_the_field_at_fault(client, other_issuer, achievement):
    response = _signed_in(client, owner(other_issuer)).post(
        f"/manage/{other_issuer.slug}/endorsements/new/",
        {"subject": "https://elsewhere.example.org/badge", "comment": "Good."},
    )
    assert response.status_code == 400
    assert "names no achievement or issuer of this platform" in response.content.decode()
    assert Endorsement.objects.count() == 0


def test_a_viewer_cannot_endorse_and_another_issuer_cannot_decide(client, django_user_model, achievement, other_issuer):
    viewer = django_user_model.objects.create_user("vic", "vic@example.org", "pw-vic-123456")
    membership_set(issuer=other_issuer, user=viewer, role="viewer", actor=owner(other_issuer))
    response = _signed_in(client, viewer).post(
        f"/manage/{other_issuer.slug}/endorsements/new/", {"subject": achievement.public_id, "comment": "Yes."}
    )
    assert response.status_code == 403
    assert Endorsement.objects.count() == 0

    from badges.endorsements import endorsement_give

    endorsement = endorsement_give(
        endorser=other_issuer,
        issuer=achievement.issuer,
        achievement=achievement,
        comment="Yes.",
        actor=owner(other_issuer),
    )
    olga = _signed_in(client, owner(other_issuer))
    # The endorser cannot accept on the endorsed issuer's behalf: not in its list (404), not its issuer (404).
    assert olga.post(f"/manage/{other_issuer.slug}/endorsements/{endorsement.uuid}/accept/").status_code == 404
    assert olga.post(f"/manage/{achievement.issuer.slug}/endorsements/{endorsement.uuid}/accept/").status_code == 404
    endorsement.refresh_from_db()
    assert endorsement.state == EndorsementState.PENDING


def test_a_pasted_endorsement_is_added_or_refused_with_the_verifiers_reason(client, achievement):
    issuer = achievement.issuer
    page = _signed_in(client, owner(issuer))
    forged = json.loads(_signed(_outside(achievement.public_id)))
    forged["credentialSubject"]["endorsementComment"] = "Changed."

    refused = page.post(f"/manage/{issuer.slug}/endorsements/add/", {"credential": json.dumps(forged)})

    assert refused.status_code == 400
    assert "did not find this endorsement valid" in refused.content.decode()
    assert Endorsement.objects.count() == 0
    added = page.post(
        f"/manage/{issuer.slug}/endorsements/add/", {"credential": _signed(_outside(achievement.public_id))}
    )
    assert added.status_code == 302
    assert Endorsement.objects.get().state == EndorsementState.ACCEPTED


@pytest.fixture
def endorsed(achievement, other_issuer):
    from badges.endorsements import endorsement_decide, endorsement_give

    for subject in (achievement, None):
        endorsement = endorsement_give(
            endorser=other_issuer,
            issuer=achievement.issuer,
            achievement=subject,
            comment="Rigorous." if subject else "Trustworthy.",
            actor=owner(other_issuer),
        )
        endorsement_decide(endorsement=endorsement, accept=True, actor=owner(achievement.issuer))
    return achievement


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "Endorsed by Other Academy:"), ("de", "Empfohlen von Other Academy:")],
)
def test_public_pages_list_accepted_endorsements(client, endorsed, language, said):
    from badges.models import Achievement
    from badges.services import AwardRequest, credential_issue

    achievement = Achievement.objects.select_related("issuer").get(pk=endorsed.pk)
    credential = credential_issue(
        request=AwardRequest(achievement=achievement, email="lea@example.org"),
        source="ui",
        actor=owner(achievement.issuer),
        notify=False,
    )
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    achievement_page = client.get(f"/achievements/{achievement.uuid}", **headers).content.decode()
    issuer_page = client.get(f"/issuers/{achievement.issuer.slug}/", **headers).content.decode()
    credential_page = client.get(f"/credentials/{credential.uuid}", HTTP_ACCEPT="text/html", **headers).content.decode()

    assert said in achievement_page and "<q>Rigorous.</q>" in achievement_page
    assert "Trustworthy." not in achievement_page
    assert said in issuer_page and "<q>Trustworthy.</q>" in issuer_page
    assert said in credential_page and "<q>Rigorous.</q>" in credential_page
    assert "<q>Trustworthy.</q>" in credential_page


def test_a_withdrawn_endorsement_leaves_the_pages(client, endorsed, other_issuer):
    endorsement = Endorsement.objects.get(achievement=endorsed)
    response = _signed_in(client, owner(other_issuer)).post(
        f"/manage/{other_issuer.slug}/endorsements/{endorsement.uuid}/withdraw/"
    )
    assert response.status_code == 302
    client.logout()
    assert "Rigorous." not in client.get(f"/achievements/{endorsed.uuid}").content.decode()
    assert "Trustworthy." in client.get(f"/issuers/{endorsed.issuer.slug}/").content.decode()
