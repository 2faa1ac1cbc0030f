"""Hand over what committed writes still owe to the broker: after an outage, or where beat does not run."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from outbox.services import pending_count, sweep


class Command(BaseCommand):
    help = (
        "Hand the tasks left in the outbox (award e-mails, webhook deliveries, sign-in links… recorded while the "
        "broker was down) to the broker; without a broker configured, run them here. Beat does the same every 30 s "
        "for the rows that are due; this command takes every row at once with --all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=10_000, help="Hand over at most this many (default 10000).")
        parser.add_argument(
            "--all",
            action="store_true",
            dest="everything",
            help="Also the rows waiting after a failed attempt or still within their grace after commit.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = sweep(limit=options["limit"], everything=options["everything"])
        left = pending_count()
        self.stdout.write(f"Handed over {outcome.handed} task(s); {outcome.failed} failed; {left} pending.")
        if outcome.broker_down:
            raise CommandError("The broker cannot be reached; the tasks stay in the outbox. Try again once it is up.")
