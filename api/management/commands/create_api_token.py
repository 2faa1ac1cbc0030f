"""Create an API token for an issuer and print it once (on standard output, alone, for scripts)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.models import SCOPES
from api.services import ApiTokenError, token_create
from issuer.models import Issuer
from issuer.permissions import SystemActor

ACTOR_LABEL = "create_api_token"


class Command(BaseCommand):
    help = "Create an API token for an issuer; the token is printed once and only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", required=True, help="Issuer slug.")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'LMS sync'.")
        parser.add_argument(
            "--scopes",
            nargs="+",
            metavar="SCOPE",
            help=f"Scopes, space or comma separated (default: all). Known: {', '.join(SCOPES)}. Write implies read.",
        )
        parser.add_argument("--user", help="Username of the staff member the token acts for (recorded as actor).")

    def handle(self, *args: Any, **options: Any) -> None:
        issuer = Issuer.objects.filter(slug=options["issuer"]).first()
        if issuer is None:
            raise CommandError(f"No issuer with slug {options['issuer']!r}.", returncode=2)
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], issuer_memberships__issuer=issuer).first()
            if user is None:
                raise CommandError(f"No staff member {options['user']!r} of issuer {issuer.slug!r}.", returncode=2)
        scopes = None
        if options["scopes"]:
            scopes = [scope for value in options["scopes"] for scope in value.replace(",", " ").split()]
        try:
            token, secret = token_create(
                issuer=issuer, name=options["name"], scopes=scopes, actor=SystemActor(ACTOR_LABEL, on_behalf_of=user)
            )
        except ApiTokenError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stderr.write(
            f"Created {token.label} for {issuer.slug} with scopes {', '.join(token.scopes)}. "
            "Store it now: it is not shown again."
        )
        self.stdout.write(secret)
