"""The first issuer of a new installation, with its owner: the one command after `docker compose up`."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from issuer.models import Issuer
from issuer.permissions import SystemActor
from issuer.services import issuer_create


class Command(BaseCommand):
    help = (
        "Create an issuer (with its signing key) and its owner. A new owner account gets no password: the command "
        "prints a link, valid for a few days, where its owner chooses one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="Short name in URLs and the issuer's did:web, e.g. acme.")
        parser.add_argument("--name", required=True, help="The issuer's name, as credentials show it.")
        parser.add_argument("--owner-email", required=True, help="The owner's e-mail address (also their sign-in).")
        parser.add_argument(
            "--superuser", action="store_true", help="Also make the owner a platform superuser (Django admin)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = get_user_model().objects.normalize_email(options["owner_email"].strip())
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"{email!r} is not an e-mail address.", returncode=2) from exc
        if Issuer.objects.filter(slug=options["slug"]).exists():
            raise CommandError(f"An issuer with slug {options['slug']!r} exists already.", returncode=2)
        user_model = get_user_model()
        with transaction.atomic():
            owners = list(user_model.objects.filter(email__iexact=email)[:2])
            if len(owners) > 1:
                raise CommandError(f"Several accounts use {email}; add the owner on the issuer's staff page.")
            if owners:
                owner, created = owners[0], False
            else:
                # No password is ever typed on a command line (shell history, process list): the owner sets one.
                owner, created = user_model.objects.create_user(username=email, email=email), True
            if options["superuser"] and not owner.is_superuser:
                owner.is_staff = owner.is_superuser = True
                owner.save(update_fields=["is_staff", "is_superuser"])
            try:
                issuer = issuer_create(
                    slug=options["slug"],
                    name=options["name"],
                    owner=owner,
                    actor=SystemActor("create_issuer", on_behalf_of=owner),
                )
            except ValidationError as exc:
                messages = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items())
                raise CommandError(messages, returncode=2) from exc
        self.stdout.write(f"Issuer {issuer.slug} ({issuer.did}) created, owned by {owner.get_username()}.")
        self.stdout.write(f"Its dashboard: {settings.SITE_URL}{reverse('issuer:dashboard', args=[issuer.slug])}")
        if created or not owner.has_usable_password():
            uid = urlsafe_base64_encode(force_bytes(owner.pk))
            token = default_token_generator.make_token(owner)
            link = reverse("accounts:password_reset_confirm", args=[uid, token])
            self.stdout.write(f"Choose the owner's password here (the link works once): {settings.SITE_URL}{link}")
