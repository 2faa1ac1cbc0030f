"""Who the tests act as when they call write services (issuer.permissions, D34): an issuer's own owner, a real
actor, wherever there is one; the platform (`SETUP`, a system actor) only for data a test arranges that no person
of the issuer would write."""

from __future__ import annotations

from django.contrib.auth.models import User

from issuer.models import Issuer, IssuerMembership, Role
from issuer.permissions import SystemActor

SETUP = SystemActor("test setup")


def owner(issuer: Issuer) -> User:
    """The issuer's first owner (alice for the `issuer` fixture, olga for `other_issuer`)."""
    membership = IssuerMembership.objects.select_related("user").filter(issuer=issuer, role=Role.OWNER).first()
    assert membership is not None, f"{issuer.slug} has no owner to act as"
    return membership.user
