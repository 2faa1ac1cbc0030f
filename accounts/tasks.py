"""Background work of staff accounts: thin tasks that call accounts.services."""

from __future__ import annotations

from celery import shared_task

from accounts.services import password_reset_send


# On the default queue, not `<default>.email`: a reset link must not wait behind a cohort's award e-mails.
@shared_task(acks_late=True)
def send_password_reset(email: str | None, language: str | None = None) -> None:
    """E-mail reset links for `email` in `language` (the asker's; the default language for a task queued without
    one); None (an address over its limit) sends nothing. Safe to run twice: a second link is as good as the first,
    and each works once."""
    if email:
        password_reset_send(email=email, language=language)
