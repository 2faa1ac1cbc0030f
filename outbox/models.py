"""One row per task that a committed write still owes to the broker."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class PendingTask(models.Model):
    """A task recorded in the transaction of the write that needs it, not yet handed to the broker.

    The row is deleted once the broker has the task (or, without a broker, once it starts running in-process), so
    the table holds only what is owed: normally nothing for longer than a commit takes. Arguments are JSON, as
    Celery sends them; they never carry a secret (a sign-in link's token is made by the task when it runs).
    """

    task = models.CharField(max_length=200)  # the registered name, e.g. "badges.tasks.send_award_email"
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Before this the sweep leaves the row alone: the process that committed it is handing it over, or an attempt
    # failed and the next one waits.
    available_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)  # hand-overs that failed
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["available_at"], name="outbox_available_at")]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)!r}"
