"""Background work of the wallets app: thin tasks that call wallets.services."""

from __future__ import annotations

from celery import shared_task

from wallets.services import tx_code_send, wallet_secrets_purge


# On the default queue, not `<default>.email`: the learner is waiting for this code with the offer on their screen,
# and must not wait behind a cohort's award e-mails.
@shared_task(acks_late=True)
def send_tx_code(offer_id: int, language: str | None = None) -> None:
    """E-mail the transaction code of an offer (made here, so its clear text is never stored), in `language`."""
    tx_code_send(offer_id=offer_id, language=language)


@shared_task
def purge_wallet_secrets() -> int:
    """Run daily by beat: expired nonces, access tokens and offers never taken up leave no rows behind."""
    return wallet_secrets_purge()
