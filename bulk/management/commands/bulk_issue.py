import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from badges.selectors import achievement_for_issuer
from bulk.jobs import BulkJobError, bulk_job_cancel, bulk_job_create, bulk_job_start
from bulk.models import BulkJob, BulkJobStatus
from bulk.parsing import BulkFileError
from issuer.models import Issuer
from issuer.permissions import SystemActor

MAX_LISTED = 50
BAR_WIDTH = 30
POLL_SECONDS = 0.5
ACTOR = SystemActor("bulk_issue")


class Command(BaseCommand):
    help = "Check a CSV or JSON-lines file of awards and issue its valid rows as a bulk job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or JSON-lines file.")
        parser.add_argument("--issuer", required=True, help="Issuer slug.")
        parser.add_argument("--achievement", help="Achievement id, UUID or slug; else each row names its own.")
        parser.add_argument("--wait", action="store_true", help="Show progress until the job has finished.")

    def handle(self, *args: Any, **options: Any) -> None:
        issuer = Issuer.objects.filter(slug=options["issuer"]).first()
        if issuer is None:
            raise CommandError(f"No issuer with slug {options['issuer']!r}.", returncode=2)
        achievement = None
        if options["achievement"]:
            achievement = achievement_for_issuer(issuer=issuer, ref=options["achievement"])
            if achievement is None:
                raise CommandError(
                    f"Issuer {issuer.slug!r} has no achievement {options['achievement']!r} (id, UUID or slug).",
                    returncode=2,
                )
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.", returncode=2) from exc
        try:
            job, preview = bulk_job_create(
                issuer=issuer, data=data, filename=path.name, achievement=achievement, actor=ACTOR
            )
        except BulkFileError as exc:
            raise CommandError(str(exc), returncode=2) from exc

        self.stdout.write(f"{preview.total} rows: {len(preview.valid)} valid, {len(preview.invalid)} invalid.")
        for row in preview.invalid[:MAX_LISTED]:
            self.stdout.write(f"  {row.describe()}")
        if len(preview.invalid) > MAX_LISTED:
            self.stdout.write(f"  and {len(preview.invalid) - MAX_LISTED} more")
        if not preview.valid:
            bulk_job_cancel(job=job, actor=ACTOR)
            raise CommandError("No row can be awarded; nothing was issued.", returncode=2)

        try:
            bulk_job_start(job=job, actor=ACTOR)
        except BulkJobError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(f"Job {job.uuid} started.")
        if options["wait"]:
            self._wait(job)

    def _wait(self, job: BulkJob) -> None:
        while True:
            job.refresh_from_db()
            handled = job.done_rows + job.failed_rows
            filled = BAR_WIDTH * handled // job.valid_rows if job.valid_rows else BAR_WIDTH
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stderr.write(f"\r[{bar}] {handled}/{job.valid_rows}", ending="")
            self.stderr.flush()
            if job.status not in (BulkJobStatus.QUEUED, BulkJobStatus.RUNNING):
                break
            time.sleep(POLL_SECONDS)
        self.stderr.write("")
        if job.status != BulkJobStatus.FINISHED:
            raise CommandError(f"Job {job.uuid} is {job.status}.", returncode=1)
        self.stdout.write(f"Finished: {job.done_rows} issued, {job.failed_rows} failed.")
        self.stdout.write(f"Results: {job.result_file.path}")
