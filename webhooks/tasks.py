"""Webhook delivery tasks: thin, idempotent (webhooks.services.delivery_attempt claims its row), JSON arguments."""

from __future__ import annotations

from celery import shared_task

from webhooks.services import delivery_attempt, due_delivery_ids


@shared_task(acks_late=True)
def deliver_webhooks(delivery_ids: list[int]) -> int:
    """Fan a batch out, one task per delivery, so a slow endpoint holds up only its own deliveries."""
    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)
    return len(delivery_ids)


@shared_task(bind=True, acks_late=True, soft_time_limit=120, time_limit=150)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt; a failure schedules the next one with the backoff (a countdown). In-process (no broker)
    the failure is recorded and nothing sleeps or retries inline."""
    outcome = delivery_attempt(delivery_id=delivery_id)
    if outcome.retry_in is not None and not self.request.is_eager:
        deliver_webhook.apply_async((delivery_id,), countdown=outcome.retry_in)
    return outcome.state


@shared_task
def deliver_due_webhooks() -> int:
    """For beat: re-enqueue overdue pending deliveries (a lost task); a duplicate is skipped by the claim."""
    ids = due_delivery_ids()
    for delivery_id in ids:
        deliver_webhook.delay(delivery_id)
    return len(ids)
