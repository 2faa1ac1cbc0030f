"""Background upkeep of the learners app: thin tasks that call learners.services."""

from __future__ import annotations

from celery import shared_task


@shared_task
def purge_sign_in_tokens() -> int:
    """Run daily by beat: expired sign-in links leave no rows behind."""
    from learners.services import sign_in_tokens_purge

    return sign_in_tokens_purge()
