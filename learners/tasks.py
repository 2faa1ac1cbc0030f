"""Background work of the learners app: thin tasks that call learners.services."""

from __future__ import annotations

from celery import shared_task

from learners.services import sign_in_link_send, sign_in_tokens_purge


@shared_task
def purge_sign_in_tokens() -> int:
    """Run daily by beat: expired sign-in links leave no rows behind."""
    return sign_in_tokens_purge()


# On the default queue, not `<default>.email`: a sign-in link must not wait behind a cohort's award e-mails.
@shared_task(acks_late=True)
def send_sign_in_link(email: str | None, language: str | None = None) -> None:
    """E-mail a sign-in link to `email` if credentials were awarded to it, in `language` (the asker's; the default
    language for a task queued without one); None (an address over its limit) sends nothing. Run twice, it sends
    two links, each good once."""
    if email:
        sign_in_link_send(email=email, language=language)
