from typing import Any

from django.core.management.base import BaseCommand

from badges.reminders import expiry_reminders_run


class Command(BaseCommand):
    help = (
        "Remind learners whose credentials expire within their issuer's thresholds (30 and 7 days by default), "
        "once per credential and threshold: safe to run from cron as often as you like. Celery beat runs the same "
        "job every hour where a worker is configured."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = expiry_reminders_run()
        for slug, count in sorted(run.written.items()):
            self.stdout.write(f"{slug}: {count} reminder(s) queued")
        self.stdout.write(f"{run.total} reminder(s) queued in all.")
