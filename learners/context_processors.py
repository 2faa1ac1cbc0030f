"""What every page's header needs to know about a learner's own sign-in (learners.views)."""

from __future__ import annotations

from django.http import HttpRequest

from learners.views import LEARNER_SESSION_KEY


def learner_session(request: HttpRequest) -> dict[str, str]:
    """The address a learner signed in with at /me/, or "" for anyone else. A learner is no Django user (their
    session holds one verified address), so `user.is_authenticated` alone would show them "Sign in"."""
    return {"learner_email": request.session.get(LEARNER_SESSION_KEY, "")}
