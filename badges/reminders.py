"""Reminders before a credential expires (docs/decisions.md D58).

A run (periodic: Celery beat in production, `manage.py send_expiry_reminders` or the embedded scheduler on the
embedded default) finds every active credential whose `validUntil` has come within one of its issuer's thresholds
(`Issuer.expiry_reminder_days`, 30 and 7 days by default) and writes one ExpiryReminder row per credential and
threshold, then queues its e-mail in the same transaction (the outbox: nothing is lost when the broker is down).

Exactly once, however often and however concurrently it runs:
- the row is unique per (credential, days, valid_until): a second run inserts nothing for it;
- the e-mail task claims the row (`emailed_at` set where it is null) before sending, so two runs that both queued
  the same row send one e-mail.

Only the nearest threshold is used: a credential 5 days from expiry that was never reminded gets the 7-day
reminder, not the 30-day one as well. A threshold the credential was awarded inside of (a 30-day reminder for a
credential valid for 20 days) is skipped: its award e-mail already said when it expires.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from badges.languages import recipient_language, supported_language
from badges.models import Credential, CredentialStatus, ExpiryReminder
from badges.notifications import DEFAULT_TIMEOUT_SECONDS, TRANSIENT_ERRORS
from config.tasks import enqueue_many, enqueue_tasks
from issuer.models import MAX_REMINDER_DAYS, Issuer, clean_reminder_days
from issuer.services import audit_record

logger = logging.getLogger(__name__)

# The issuer's copy lists this many reminders of a run by name, and counts the rest.
DIGEST_LISTS = 500
# Candidates read and written per transaction: a cohort of 100,000 expiring on the same day is reminded in steps
# that each hold their locks briefly.
CHUNK = 1000


@dataclass
class ReminderRun:
    """What one run did: reminders written (and queued) per issuer slug."""

    now: datetime
    written: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.written.values())


def thresholds_of(issuer: Issuer) -> list[int]:
    """The issuer's thresholds, valid ones only, nearest last ([30, 7])."""
    days = issuer.expiry_reminder_days if isinstance(issuer.expiry_reminder_days, list) else []
    valid = {d for d in days if isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= MAX_REMINDER_DAYS}
    return sorted(valid, reverse=True)


def clean_thresholds(value: object) -> list[int]:
    """Thresholds as an issuer types them; see issuer.models.clean_reminder_days."""
    return clean_reminder_days(value)


def _threshold_for(valid_until: datetime, awarded: datetime, thresholds: list[int], now: datetime) -> int | None:
    """The nearest threshold the credential has come within, unless it was awarded inside it."""
    reached = [d for d in thresholds if valid_until <= now + timedelta(days=d)]
    if not reached:
        return None
    nearest = min(reached)
    return nearest if awarded <= valid_until - timedelta(days=nearest) else None


def expiry_reminders_run(*, now: datetime | None = None) -> ReminderRun:
    """Write and queue every reminder that is due (see the module docstring). Safe to run twice, or twice at once."""
    now = now or timezone.now()
    run = ReminderRun(now=now)
    for issuer in Issuer.objects.all().only("pk", "slug", "expiry_reminder_days", "expiry_reminder_copy", "email"):
        thresholds = thresholds_of(issuer)
        if thresholds:
            written = _run_for_issuer(issuer, thresholds, now)
            if written:
                run.written[issuer.slug] = len(written)
                if issuer.expiry_reminder_copy and issuer.email:
                    listed = written[:DIGEST_LISTS]
                    enqueue_tasks([("badges.tasks.send_expiry_digest", [issuer.pk, listed, len(written)])])
    return run


def _run_for_issuer(issuer: Issuer, thresholds: list[int], now: datetime) -> list[int]:
    candidates = (
        Credential.objects.filter(
            issuer=issuer,
            status=CredentialStatus.ACTIVE,
            valid_until__gt=now,
            valid_until__lte=now + timedelta(days=max(thresholds)),
        )
        .order_by("pk")
        .values_list("pk", "valid_until", "created_at")
    )
    written: list[int] = []
    last_pk = 0
    while True:
        chunk = list(candidates.filter(pk__gt=last_pk)[:CHUNK])
        if not chunk:
            return written
        last_pk = chunk[-1][0]
        due = [
            ExpiryReminder(credential_id=pk, days=days, valid_until=valid_until, created_at=now)
            for pk, valid_until, awarded in chunk
            if valid_until is not None and (days := _threshold_for(valid_until, awarded, thresholds, now)) is not None
        ]
        if due:
            written += _write(due, now)


@transaction.atomic
def _write(due: list[ExpiryReminder], now: datetime) -> list[int]:
    """Insert what is not there yet and queue the e-mails of the rows this run inserted (their created_at is this
    run's `now`: a row another run wrote first keeps its own)."""
    ExpiryReminder.objects.bulk_create(due, ignore_conflicts=True)
    ids = list(
        ExpiryReminder.objects.filter(
            credential_id__in=[reminder.credential_id for reminder in due], created_at=now, emailed_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if ids:
        enqueue_many("badges.tasks.send_expiry_reminder", [[pk] for pk in ids])
    return ids


def expiry_reminder_send(*, reminder_id: int, raise_transient: bool = False) -> bool:
    """E-mail one reminder once: the row is claimed before sending, so a reminder queued twice is sent once.
    Returns whether this call sent it. A credential revoked or suspended since the run is not reminded."""
    now = timezone.now()
    if not ExpiryReminder.objects.filter(pk=reminder_id, emailed_at__isnull=True).update(emailed_at=now):
        return False
    reminder = ExpiryReminder.objects.select_related("credential", "credential__issuer", "credential__achievement").get(
        pk=reminder_id
    )
    credential = reminder.credential
    if credential.status != CredentialStatus.ACTIVE or credential.valid_until != reminder.valid_until:
        ExpiryReminder.objects.filter(pk=reminder_id).update(error="Not sent: the credential changed since.")
        return False
    language = recipient_language(
        email=credential.recipient_email, chosen=credential.language, issuer_default=credential.issuer.language
    )
    try:
        with translation.override(language):
            message = expiry_reminder_message(reminder=reminder, now=now)
        message.connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT_SECONDS)
        message.send()
    except Exception as exc:  # recorded on the row; a transient failure frees it for the task's next attempt
        logger.warning("Expiry reminder %s failed: %r", reminder_id, exc)
        transient = raise_transient and isinstance(exc, TRANSIENT_ERRORS)
        ExpiryReminder.objects.filter(pk=reminder_id).update(
            error=f"{type(exc).__name__}: {exc}"[:2000], emailed_at=None if transient else now
        )
        if transient:
            raise
        return False
    with transaction.atomic():
        ExpiryReminder.objects.filter(pk=reminder_id).update(error="")
        audit_record(
            issuer=credential.issuer,
            action="credential.expiry_reminded",
            obj=credential,
            actor_label="expiry reminder",
            data={"to": credential.recipient_email, "days": reminder.days, "language": language},
        )
    return True


def expiry_reminder_message(*, reminder: ExpiryReminder, now: datetime) -> EmailMultiAlternatives:
    """The reminder (plain text with an HTML alternative) in the active language, addressed but not sent."""
    credential = reminder.credential
    issuer = credential.issuer
    context = {
        "credential": credential,
        "achievement": credential.achievement,
        "issuer": issuer,
        "recipient_name": credential.recipient_name,
        "public_url": credential.public_id,
        "site_url": settings.SITE_URL,
        "valid_until": reminder.valid_until,
        "days_left": max(1, (reminder.valid_until - reminder.created_at).days),
    }
    subject = gettext("%(achievement)s from %(issuer)s expires soon") % {
        "achievement": credential.achievement.name,
        "issuer": issuer.name,
    }
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("emails/expiry_reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[credential.recipient_email],
        reply_to=[issuer.email] if issuer.email else None,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("emails/expiry_reminder.html", context), "text/html")
    return message


def expiry_digest_send(*, issuer_id: int, reminder_ids: list[int], total: int | None = None) -> bool:
    """The issuer's copy of one run: which learners were reminded, of what, and when it expires. Sent to the
    issuer's address in its language; nothing when it has none."""
    issuer = Issuer.objects.filter(pk=issuer_id).first()
    if issuer is None or not issuer.email:
        return False
    reminders = list(
        ExpiryReminder.objects.filter(pk__in=reminder_ids, credential__issuer=issuer)
        .select_related("credential", "credential__achievement")
        .order_by("valid_until", "pk")
    )
    if not reminders:
        return False
    total = max(total or 0, len(reminders))
    by_achievement: dict[str, list[ExpiryReminder]] = defaultdict(list)
    for reminder in reminders:
        by_achievement[reminder.credential.achievement.name].append(reminder)
    with translation.override(supported_language(issuer.language) or settings.LANGUAGE_CODE):
        context = {
            "issuer": issuer,
            "groups": sorted(by_achievement.items()),
            "count": total,
            "unlisted": total - len(reminders),
            "site_url": settings.SITE_URL,
        }
        subject = ngettext(
            "%(count)d credential of %(issuer)s expires soon",
            "%(count)d credentials of %(issuer)s expire soon",
            total,
        ) % {"count": total, "issuer": issuer.name}
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string("emails/expiry_digest.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[issuer.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
    message.connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_TIMEOUT_SECONDS)
    message.send()
    return True
