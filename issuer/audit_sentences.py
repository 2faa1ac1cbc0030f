"""The audit log in sentences: one renderer per action, all of them here.

"Ana Lopez revoked Jane Doe's “Python Foundations” — reason: awarded by mistake." A renderer reads what the service
recorded in the row (`data`) and the names of the row's object (`subject`: the recipient, the achievement, the file,
looked up for a whole page at once through issuer.extensions.AuditSubjects). What it cannot find it words in general
terms ("a learner"), and an action without a renderer here — one added later, or a row from an older version — gets
`generic`, which words the action and its data as plain text. A reader never sees JSON.

Sentences are plain text: the templates escape them like any other value. They are worded when a page reads them,
in that page's language (D51): a row stores what happened as data, never a sentence, so the same row reads in
English and German. Names, titles, reasons and e-mail addresses in the data are the people's own words and stay as
they were written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from issuer.models import AuditEvent, KeyPurpose, Role

# A UUID inside an actor's label ("bulk job 6f1c…", "stacking rule 0b3a…"): its first part tells jobs apart.
_UUID = re.compile(r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# The labels the platform's own actors record (issuer.permissions.SystemActor, api.models.ApiToken.label), worded
# in the reader's language; a label none of these matches is shown as it was recorded.
_LABELS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"API token (?P<prefix>\S+) \((?P<name>.*)\)"), _("API token %(prefix)s (%(name)s)")),
    (re.compile(r"undo of bulk job (?P<job>\S+)"), _("undo of bulk job %(job)s")),
    (re.compile(r"bulk job (?P<job>\S+)"), _("bulk job %(job)s")),
    (re.compile(r"stacking rule (?P<rule>\S+)"), _("stacking rule %(rule)s")),
    (re.compile(r"admin"), pgettext_lazy("who acted", "admin")),
    (re.compile(r"webhooks"), pgettext_lazy("who acted", "webhooks")),
]
# Field names an `issuer.updated` row lists, as the profile page labels them; others are worded from their name.
_PROFILE_FIELDS = {
    "name": pgettext_lazy("profile field", "name"),
    "description": pgettext_lazy("profile field", "description"),
    "url": pgettext_lazy("profile field", "url"),
    "email": pgettext_lazy("profile field", "email"),
    "phone": pgettext_lazy("profile field", "phone"),
    "official": pgettext_lazy("profile field", "official"),
    "street_address": pgettext_lazy("profile field", "street address"),
    "address_locality": pgettext_lazy("profile field", "address locality"),
    "address_region": pgettext_lazy("profile field", "address region"),
    "postal_code": pgettext_lazy("profile field", "postal code"),
    "address_country": pgettext_lazy("profile field", "address country"),
    "address_country_code": pgettext_lazy("profile field", "address country code"),
    "issue_jwt_by_default": pgettext_lazy("profile field", "issue jwt by default"),
    "embed_images": pgettext_lazy("profile field", "embed images"),
    "brand_color": pgettext_lazy("profile field", "brand color"),
    "language": pgettext_lazy("profile field", "language of e-mails"),
    "expiry_reminder_days": pgettext_lazy("profile field", "expiry reminders"),
    "expiry_reminder_copy": pgettext_lazy("profile field", "copy of reminders"),
    "other_identifiers": pgettext_lazy("profile field", "other identifiers"),
    "image": pgettext_lazy("profile field", "image"),
}
# What applying a qualification rule did for each learner (stacking.services.stacking_evaluate_many).
_OUTCOMES = {
    "issued": pgettext_lazy("qualification outcome", "issued"),
    "reissued": pgettext_lazy("qualification outcome", "reissued"),
    "reinstated": pgettext_lazy("qualification outcome", "reinstated"),
    "revoked": pgettext_lazy("qualification outcome", "revoked"),
    "suspended": pgettext_lazy("qualification outcome", "suspended"),
    "unchanged": pgettext_lazy("qualification outcome", "unchanged"),
    "failed": pgettext_lazy("qualification outcome", "failed"),
}


@dataclass(frozen=True)
class Entry:
    """One audit row as a renderer reads it."""

    action: str
    actor: str
    data: Mapping[str, Any]
    subject: Mapping[str, str]
    object_type: str
    object_id: str
    by_platform: bool = False  # the row names no one: `actor` is "The platform"

    def text(self, key: str, default: str = "") -> str:
        """A value of the row's data as text; a list is joined with commas."""
        return plain(self.data.get(key)) or default

    def name(self, key: str, *data_keys: str, default: str) -> str:
        """The object's name `key` (subject), else the first of `data_keys` the row recorded, else `default`."""
        if self.subject.get(key):
            return self.subject[key]
        for data_key in data_keys:
            if value := self.text(data_key):
                return value
        return default

    def count(self, key: str) -> int:
        value = self.data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0


def plain(value: Any) -> str:
    """Any JSON value as words: lists joined with commas, objects as "key: value" pairs, nothing for null."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(text for text in (plain(item) for item in value) if text)
    if isinstance(value, dict):  # by key: PostgreSQL's jsonb does not keep the order the row was written in
        return "; ".join(f"{words(key)}: {text}" for key, item in sorted(value.items()) if (text := plain(item)))
    if isinstance(value, int | float):
        return number(value)
    return str(value)


def number(value: float) -> str:
    """A number with the reader's thousands separator: 1,234 in English, 1.234 in German."""
    return number_format(value, force_grouping=True)


def words(identifier: str) -> str:
    """`email_failed` → "email failed"."""
    return str(identifier).replace("_", " ").strip()


def quoted(name: str) -> str:
    return gettext("“%(name)s”") % {"name": name}


def counted(text: str, count: int) -> str:
    """`text`, ngettext's choice for `count`, with the number in it: "1 row", "1,234 rows"."""
    return text % {"count": number(count)}


def with_reason(sentence: str, reason: str) -> str:
    return (
        gettext("%(sentence)s — reason: %(reason)s") % {"sentence": sentence, "reason": reason} if reason else sentence
    )


def role(value: str) -> str:
    return str(Role(value).label) if value in Role.values else words(value)


def _label(label: str) -> str:
    for pattern, wording in _LABELS:
        if match := pattern.fullmatch(label):
            return str(wording) % match.groupdict() if match.groupdict() else str(wording)
    return label


def actor_name(event: AuditEvent) -> str:
    """Who acted: the person (their full name, else their username) and what they acted through ("via API token
    k3v9x2qa (CRM)", "via bulk job 6f1c2d3e…"); the label alone for the platform's own work; "The platform" when
    the row names no one."""
    label = _UUID.sub(r"\1…", event.actor_label or "")
    user = event.actor
    if user is not None:
        name = user.get_full_name().strip() or user.get_username()
        return gettext("%(name)s via %(label)s") % {"name": name, "label": _label(label)} if label else name
    if " " not in label and "_" in label:  # a management command names itself: "rotate_key"
        return gettext("The %(command)s command") % {"command": label}
    if label:
        label = _label(label)
        return label[:1].upper() + label[1:]
    return gettext("The platform")


Renderer = Callable[[Entry], str]
SENTENCES: dict[str, Renderer] = {}


def says(*actions: str) -> Callable[[Renderer], Renderer]:
    """Register the renderer of these actions."""

    def register(render: Renderer) -> Renderer:
        for action in actions:
            SENTENCES[action] = render
        return render

    return register


def audit_sentence(event: AuditEvent, subject: Mapping[str, str] | None = None) -> str:
    """The row in one sentence, in the active language. A row whose data does not have the shape its renderer
    expects (written by another version) is worded generically rather than failing the page."""
    entry = Entry(
        action=event.action,
        actor=actor_name(event),
        data=event.data if isinstance(event.data, dict) else {"details": event.data},
        subject=subject or {},
        object_type=event.object_type,
        object_id=event.object_id,
        by_platform=event.actor_id is None and not event.actor_label,
    )
    render = SENTENCES.get(event.action, generic)
    try:
        return render(entry)
    except (KeyError, TypeError, ValueError, AttributeError):
        return generic(entry)


def generic(entry: Entry) -> str:
    """ "Ana Lopez: widget frobbed (widget 12) — colour: red; size: 3". The action and the data's keys are the
    code's own names, so they read the same in every language."""
    what = words(entry.action.replace(".", " "))
    target = next(iter(entry.subject.values()), "") or f"{words(entry.object_type)} {entry.object_id}".strip()
    details = plain(dict(entry.data))
    sentence = f"{entry.actor}: {what[:1].upper()}{what[1:]}" + (f" ({target})" if target else "")
    return f"{sentence} — {details}" if details else sentence


def _more(sentence: str, detail: str) -> str:
    """The sentence, then what the row recorded about it: "… could not award its credential: <error>"."""
    return f"{sentence}: {detail}" if detail else sentence


# ----- credentials


def _recipient(entry: Entry) -> str:
    return entry.name("recipient", "to", default=gettext("a learner"))


def _achievement(entry: Entry) -> str:
    return quoted(entry.name("achievement", "achievement", default=gettext("an achievement")))


@says("credential.issued")
def _credential_issued(entry: Entry) -> str:
    return gettext("%(actor)s awarded %(achievement)s to %(recipient)s") % {
        "actor": entry.actor,
        "achievement": _achievement(entry),
        "recipient": _recipient(entry),
    }


@says("credential.revoked")
def _credential_revoked(entry: Entry) -> str:
    sentence = gettext("%(actor)s revoked %(recipient)s's %(achievement)s") % {
        "actor": entry.actor,
        "achievement": _achievement(entry),
        "recipient": _recipient(entry),
    }
    return with_reason(sentence, entry.text("reason"))


@says("credential.suspended")
def _credential_suspended(entry: Entry) -> str:
    sentence = gettext("%(actor)s suspended %(recipient)s's %(achievement)s") % {
        "actor": entry.actor,
        "achievement": _achievement(entry),
        "recipient": _recipient(entry),
    }
    return with_reason(sentence, entry.text("reason"))


@says("credential.unsuspended")
def _credential_unsuspended(entry: Entry) -> str:
    return gettext("%(actor)s reinstated %(recipient)s's %(achievement)s") % {
        "actor": entry.actor,
        "achievement": _achievement(entry),
        "recipient": _recipient(entry),
    }


def _signed_credential(entry: Entry) -> str:
    return quoted(entry.text("credential", default=gettext("a credential")))


@says("client_credential.signed")
def _client_credential_signed(entry: Entry) -> str:
    return gettext("%(actor)s had the credential %(credential)s signed") % {
        "actor": entry.actor,
        "credential": _signed_credential(entry),
    }


@says("client_credential.revoked")
def _client_credential_revoked(entry: Entry) -> str:
    sentence = gettext("%(actor)s revoked the signed credential %(credential)s") % {
        "actor": entry.actor,
        "credential": _signed_credential(entry),
    }
    return with_reason(sentence, entry.text("reason"))


@says("client_credential.suspended")
def _client_credential_suspended(entry: Entry) -> str:
    sentence = gettext("%(actor)s suspended the signed credential %(credential)s") % {
        "actor": entry.actor,
        "credential": _signed_credential(entry),
    }
    return with_reason(sentence, entry.text("reason"))


@says("client_credential.unsuspended")
def _client_credential_unsuspended(entry: Entry) -> str:
    return gettext("%(actor)s reinstated the signed credential %(credential)s") % {
        "actor": entry.actor,
        "credential": _signed_credential(entry),
    }


def _award_email_to(entry: Entry) -> str:
    return entry.text("to") or entry.name("email", default=gettext("the learner"))


@says("credential.emailed")
def _credential_emailed(entry: Entry) -> str:
    return gettext("The award e-mail for %(achievement)s was sent to %(to)s") % {
        "achievement": _achievement(entry),
        "to": _award_email_to(entry),
    }


@says("credential.email_failed")
def _credential_email_failed(entry: Entry) -> str:
    sentence = gettext("The award e-mail for %(achievement)s to %(to)s could not be sent") % {
        "achievement": _achievement(entry),
        "to": _award_email_to(entry),
    }
    return _more(sentence, entry.text("error"))


@says("credential.renewed")
def _credential_renewed(entry: Entry) -> str:
    sentence = gettext("%(actor)s renewed %(recipient)s's %(achievement)s") % {
        "actor": entry.actor,
        "achievement": _achievement(entry),
        "recipient": _recipient(entry),
    }
    return _more(sentence, entry.text("successor"))


@says("credential.corrected")
def _credential_corrected(entry: Entry) -> str:
    sentence = gettext("%(actor)s corrected %(recipient)s's %(achievement)s") % {
        "actor": entry.actor,
        "achievement": _achievement(entry),
        "recipient": _recipient(entry),
    }
    return _more(sentence, entry.text("successor"))


@says("credential.resent")
def _credential_resent(entry: Entry) -> str:
    return gettext("%(actor)s sent the award e-mail for %(achievement)s to %(to)s again") % {
        "actor": entry.actor,
        "achievement": _achievement(entry),
        "to": _award_email_to(entry),
    }


# A take-up of an award by the learner's wallet (wallets.services): the format and the kind of key it was bound to.
_WALLET_FORMATS = {"ldp_vc": _("a Data Integrity credential"), "jwt_vc_json": _("a VC-JWT")}
_WALLET_BINDINGS = {"did:key": _("their did:key"), "did:jwk": _("their did:jwk"), "jwk": _("a key their wallet holds")}


@says("credential.added_to_wallet")
def _credential_added_to_wallet(entry: Entry) -> str:
    recipient = _recipient(entry)
    values = {"recipient": recipient[:1].upper() + recipient[1:], "achievement": _achievement(entry)}
    protocol = entry.text("protocol")
    if protocol:
        sentence = gettext("%(recipient)s added %(achievement)s to a wallet through %(protocol)s") % {
            **values,
            "protocol": protocol,
        }
    else:
        sentence = gettext("%(recipient)s added %(achievement)s to a wallet") % values
    what = _WALLET_FORMATS.get(entry.text("format"), entry.text("format"))
    bound = _WALLET_BINDINGS.get(entry.text("binding"), entry.text("binding"))
    if what and bound:
        return gettext("%(sentence)s, as %(what)s bound to %(bound)s") % {
            "sentence": sentence,
            "what": what,
            "bound": bound,
        }
    if what:
        return gettext("%(sentence)s, as %(what)s") % {"sentence": sentence, "what": what}
    return sentence


@says("credential.expiry_reminded")
def _credential_expiry_reminded(entry: Entry) -> str:
    return ngettext(
        "%(to)s was reminded that %(achievement)s expires in %(days)s day",
        "%(to)s was reminded that %(achievement)s expires within %(days)s days",
        entry.count("days"),
    ) % {"to": _award_email_to(entry), "achievement": _achievement(entry), "days": entry.count("days")}


# ----- achievements


def _achievement_named(entry: Entry) -> dict[str, str]:
    return {"actor": entry.actor, "name": quoted(entry.name("name", "name", "slug", default=f"#{entry.object_id}"))}


@says("achievement.created")
def _achievement_created(entry: Entry) -> str:
    return gettext("%(actor)s created the achievement %(name)s") % _achievement_named(entry)


@says("achievement.updated")
def _achievement_updated(entry: Entry) -> str:
    # The fields are the achievement's own names (badges), the same in every language.
    changed = ", ".join(words(field) for field in entry.data.get("changed") or [] if field != "version")
    sentence = gettext("%(actor)s updated the achievement %(name)s") % _achievement_named(entry)
    if changed:
        sentence += f" ({changed})"
    if version := entry.text("version"):
        sentence += gettext(", now version %(version)s") % {"version": version}
    return sentence


@says("achievement.archived")
def _achievement_archived(entry: Entry) -> str:
    return gettext("%(actor)s archived the achievement %(name)s") % _achievement_named(entry)


@says("achievement.unarchived")
def _achievement_unarchived(entry: Entry) -> str:
    return gettext("%(actor)s brought back the archived achievement %(name)s") % _achievement_named(entry)


@says("achievement.deleted")
def _achievement_deleted(entry: Entry) -> str:
    return gettext("%(actor)s deleted the achievement %(name)s") % _achievement_named(entry)


# ----- bulk awards


def _job(entry: Entry) -> dict[str, str]:
    return {"actor": entry.actor, "file": entry.name("file", "file", default=gettext("without a file name"))}


def _rows(count: int) -> str:
    return counted(ngettext("%(count)s row", "%(count)s rows", count), count)


@says("bulk.created")
def _bulk_created(entry: Entry) -> str:
    total, valid = entry.count("total"), entry.count("valid")
    sentence = ngettext(
        "%(actor)s uploaded %(file)s: %(rows)s, %(valid)s can be issued",
        "%(actor)s uploaded %(file)s: %(rows)s, %(valid)s can be issued",
        valid,
    )
    return sentence % {**_job(entry), "rows": _rows(total), "valid": number(valid)}


@says("bulk.started")
def _bulk_started(entry: Entry) -> str:
    return gettext("%(actor)s confirmed bulk job %(file)s: its rows are being issued") % _job(entry)


@says("bulk.resumed")
def _bulk_resumed(entry: Entry) -> str:
    return gettext("%(actor)s resumed bulk job %(file)s") % _job(entry)


@says("bulk.paused")
def _bulk_paused(entry: Entry) -> str:
    return gettext("%(actor)s paused bulk job %(file)s") % _job(entry)


@says("bulk.cancelled")
def _bulk_cancelled(entry: Entry) -> str:
    done, failed = entry.count("done"), entry.count("failed")
    if not done and not failed:
        return gettext("%(actor)s cancelled bulk job %(file)s before anything was issued") % _job(entry)
    return gettext("%(actor)s cancelled bulk job %(file)s after %(done)s done, %(failed)s failed") % {
        **_job(entry),
        "done": _rows(done),
        "failed": number(failed),
    }


@says("bulk.finished")
def _bulk_finished(entry: Entry) -> str:
    done, failed = entry.count("done"), entry.count("failed")
    sentence = gettext("Bulk job %(file)s: %(rows)s issued") % {**_job(entry), "rows": _rows(done)}
    return sentence + (gettext(", %(failed)s failed") % {"failed": number(failed)} if failed else "")


@says("bulk.undo_requested")
def _bulk_undo_requested(entry: Entry) -> str:
    return with_reason(gettext("%(actor)s asked to undo bulk job %(file)s") % _job(entry), entry.text("reason"))


@says("bulk.undone")
def _bulk_undone(entry: Entry) -> str:
    revoked = entry.count("revoked")
    credentials = counted(ngettext("%(count)s credential", "%(count)s credentials", revoked), revoked)
    return gettext("Bulk job %(file)s undone: %(credentials)s revoked") % {**_job(entry), "credentials": credentials}


# ----- the issuer and its staff


@says("issuer.created")
def _issuer_created(entry: Entry) -> str:
    return gettext("%(actor)s created this issuer") % {"actor": entry.actor}


@says("issuer.updated")
def _issuer_updated(entry: Entry) -> str:
    changed = ", ".join(str(_PROFILE_FIELDS.get(field, words(field))) for field in entry.data.get("changed") or [])
    sentence = gettext("%(actor)s updated the issuer profile") % {"actor": entry.actor}
    return sentence + (f" ({changed})" if changed else "")


def _someone(entry: Entry, key: str) -> str:
    return entry.text(key, gettext("someone"))


@says("staff.added")
def _staff_added(entry: Entry) -> str:
    return gettext("%(actor)s added %(user)s to the staff as %(role)s") % {
        "actor": entry.actor,
        "user": _someone(entry, "user"),
        "role": role(entry.text("role")),
    }


@says("staff.role_changed")
def _staff_role_changed(entry: Entry) -> str:
    values = {"actor": entry.actor, "user": _someone(entry, "user"), "role": role(entry.text("role"))}
    if previous := entry.text("previous"):
        return gettext("%(actor)s changed %(user)s's role from %(previous)s to %(role)s") % {
            **values,
            "previous": role(previous),
        }
    return gettext("%(actor)s changed %(user)s's role to %(role)s") % values


@says("staff.invited")
def _staff_invited(entry: Entry) -> str:
    values = {"actor": entry.actor, "email": _someone(entry, "email"), "role": role(entry.text("role"))}
    if entry.data.get("replaces"):
        return gettext("%(actor)s invited %(email)s to join as %(role)s, replacing an earlier invitation") % values
    return gettext("%(actor)s invited %(email)s to join as %(role)s") % values


@says("staff.invitation_accepted")
def _staff_invitation_accepted(entry: Entry) -> str:
    who = entry.text("user", gettext("Someone")) if entry.by_platform else entry.actor
    return gettext("%(who)s accepted the invitation sent to %(email)s and joined as %(role)s") % {
        "who": who,
        "email": entry.text("email", gettext("them")),
        "role": role(entry.text("role")),
    }


@says("staff.invitation_revoked")
def _staff_invitation_revoked(entry: Entry) -> str:
    return gettext("%(actor)s withdrew the invitation to %(email)s (%(role)s)") % {
        "actor": entry.actor,
        "email": _someone(entry, "email"),
        "role": role(entry.text("role")),
    }


@says("staff.removed")
def _staff_removed(entry: Entry) -> str:
    return gettext("%(actor)s removed %(user)s (%(role)s) from the staff") % {
        "actor": entry.actor,
        "user": _someone(entry, "user"),
        "role": role(entry.text("role")),
    }


# ----- keys, tokens, webhooks


def _purpose(entry: Entry) -> str:
    value = entry.text("purpose")
    return str(KeyPurpose(value).label) if value in KeyPurpose.values else words(value)


@says("key.created")
def _key_created(entry: Entry) -> str:
    return gettext("%(actor)s created the signing key %(key)s (%(algorithm)s, %(purpose)s)") % {
        "actor": entry.actor,
        "key": entry.text("key_id", gettext("a signing key")),
        "algorithm": entry.text("algorithm", gettext("unknown algorithm")),
        "purpose": _purpose(entry) or gettext("signing"),
    }


@says("key.rotated")
def _key_rotated(entry: Entry) -> str:
    values = {"actor": entry.actor, "key": entry.text("key_id", gettext("a new key")), "purpose": _purpose(entry)}
    if values["purpose"]:
        sentence = gettext("%(actor)s rotated the %(purpose)s key: %(key)s is now in use") % values
    else:
        sentence = gettext("%(actor)s rotated the signing key: %(key)s is now in use") % values
    retired = entry.text("retired")
    return sentence + (gettext(", %(retired)s retired") % {"retired": retired} if retired else "")


@says("key.compromised")
def _key_compromised(entry: Entry) -> str:
    sentence = gettext("%(actor)s marked the signing key %(key)s as compromised") % {
        "actor": entry.actor,
        "key": entry.text("key_id", gettext("a key")),
    }
    return with_reason(sentence, entry.text("reason"))


def _token(entry: Entry) -> dict[str, str]:
    name, prefix = entry.text("name"), entry.text("prefix")
    token = " ".join(part for part in (quoted(name) if name else "", f"({prefix})" if prefix else "") if part)
    return {"actor": entry.actor, "token": token}


@says("api_token.created")
def _api_token_created(entry: Entry) -> str:
    if scopes := entry.text("scopes"):
        return gettext("%(actor)s created the API token %(token)s with the scopes %(scopes)s") % {
            **_token(entry),
            "scopes": scopes,
        }
    return gettext("%(actor)s created the API token %(token)s that can only read") % _token(entry)


@says("api_token.revoked")
def _api_token_revoked(entry: Entry) -> str:
    return gettext("%(actor)s revoked the API token %(token)s") % _token(entry)


def _endpoint(entry: Entry) -> dict[str, str]:
    """The endpoint's URL, "" when the row names none (an endpoint deleted since): the renderers word each case
    whole, since the phrase's grammar changes with its place in the sentence."""
    return {"actor": entry.actor, "url": entry.name("url", "url", default=""), "events": entry.text("events")}


def _events(values: dict[str, str]) -> dict[str, str]:
    return {**values, "events": values["events"] or gettext("no events")}


@says("webhook.created")
def _webhook_created(entry: Entry) -> str:
    values = _events(_endpoint(entry))
    if values["url"]:
        return gettext("%(actor)s added the webhook endpoint %(url)s for %(events)s") % values
    return gettext("%(actor)s added a webhook endpoint deleted since for %(events)s") % values


@says("webhook.updated")
def _webhook_updated(entry: Entry) -> str:
    values = _events(_endpoint(entry))
    if values["url"]:
        return gettext("%(actor)s changed the webhook endpoint %(url)s, now for %(events)s") % values
    return gettext("%(actor)s changed a webhook endpoint deleted since, now for %(events)s") % values


@says("webhook.secret_rotated")
def _webhook_secret_rotated(entry: Entry) -> str:
    values = _endpoint(entry)
    if values["url"]:
        return gettext("%(actor)s gave the webhook endpoint %(url)s a new signing secret") % values
    return gettext("%(actor)s gave a webhook endpoint deleted since a new signing secret") % values


@says("webhook.deleted")
def _webhook_deleted(entry: Entry) -> str:
    values = _endpoint(entry)
    if values["url"]:
        return gettext("%(actor)s deleted the webhook endpoint %(url)s") % values
    return gettext("%(actor)s deleted a webhook endpoint deleted since") % values


@says("webhook.enabled")
def _webhook_enabled(entry: Entry) -> str:
    values = _endpoint(entry)
    if values["url"]:
        return gettext("%(actor)s turned the webhook endpoint %(url)s back on") % values
    return gettext("%(actor)s turned a webhook endpoint deleted since back on") % values


@says("webhook.disabled")
def _webhook_disabled(entry: Entry) -> str:
    failures = entry.count("failures")
    values = {
        **_endpoint(entry),
        "failures": counted(ngettext("%(count)s failed delivery", "%(count)s failed deliveries", failures), failures),
    }
    if values["url"]:
        return gettext("The webhook endpoint %(url)s was turned off after %(failures)s in a row") % values
    return gettext("A webhook endpoint deleted since was turned off after %(failures)s in a row") % values


# ----- qualifications and partnerships


def _rule(entry: Entry) -> dict[str, str]:
    name = entry.name("achievement", "achievement", default=gettext("an achievement"))
    return {"actor": entry.actor, "achievement": quoted(name)}


@says("qualification.created")
def _qualification_created(entry: Entry) -> str:
    # The summary is the rule as stacking worded it when the row was written.
    sentence = gettext("%(actor)s created the qualification rule for %(achievement)s") % _rule(entry)
    return _more(sentence, entry.text("summary"))


@says("qualification.changed")
def _qualification_changed(entry: Entry) -> str:
    sentence = gettext("%(actor)s changed the qualification rule for %(achievement)s") % _rule(entry)
    return _more(sentence, entry.text("summary"))


@says("qualification.applied")
def _qualification_applied(entry: Entry) -> str:
    outcomes = ", ".join(
        f"{number(count)} {_OUTCOMES.get(outcome, words(outcome))}"
        for outcome, count in entry.data.items()
        if outcome != "qualifying" and isinstance(count, int) and outcome
    )
    qualifying = entry.count("qualifying")
    sentence = ngettext(
        "%(actor)s applied the qualification rule for %(achievement)s to %(count)s learner who qualifies",
        "%(actor)s applied the qualification rule for %(achievement)s to %(count)s learners who qualify",
        qualifying,
    ) % {**_rule(entry), "count": number(qualifying)}
    return _more(sentence, outcomes)


@says("qualification.issue_failed")
def _qualification_issue_failed(entry: Entry) -> str:
    sentence = gettext("The qualification rule for %(achievement)s could not award its credential") % _rule(entry)
    return _more(sentence, entry.text("error"))


@says("qualification.deactivated")
def _qualification_deactivated(entry: Entry) -> str:
    return gettext("%(actor)s deactivated the qualification rule for %(achievement)s") % _rule(entry)


@says("partnership.requested")
def _partnership_requested(entry: Entry) -> str:
    partner = entry.name("partner", "partner", default=gettext("another issuer"))
    return gettext("%(actor)s asked %(partner)s to let this issuer's qualification rules use its achievements") % {
        "actor": entry.actor,
        "partner": partner,
    }


@says("partnership.accepted")
def _partnership_accepted(entry: Entry) -> str:
    requester = entry.name("issuer", "issuer", default=gettext("another issuer"))
    return gettext("%(actor)s let %(issuer)s use this issuer's achievements in its qualification rules") % {
        "actor": entry.actor,
        "issuer": requester,
    }


@says("partnership.ended")
def _partnership_ended(entry: Entry) -> str:
    # Its own "another issuer": the phrase takes another case in German here ("mit einem anderen Aussteller").
    requester = entry.name("issuer", "issuer", default=pgettext("partnership ended with", "another issuer"))
    return gettext("%(actor)s declined or ended the partnership with %(issuer)s") % {
        "actor": entry.actor,
        "issuer": requester,
    }


# ----- endorsements (D63)


def _endorsed(entry: Entry) -> dict[str, str]:
    """What was endorsed: an achievement (with its issuer) or the issuer itself; and by whom."""
    issuer = entry.text("issuer", gettext("another issuer"))
    achievement = entry.text("achievement")
    subject = (
        gettext("%(achievement)s of %(issuer)s") % {"achievement": quoted(achievement), "issuer": issuer}
        if achievement
        else issuer
    )
    return {"actor": entry.actor, "subject": subject, "endorser": entry.text("endorser", gettext("an endorser"))}


@says("endorsement.given")
def _endorsement_given(entry: Entry) -> str:
    return gettext("%(actor)s endorsed %(subject)s") % _endorsed(entry)


@says("endorsement.withdrawn")
def _endorsement_withdrawn(entry: Entry) -> str:
    return gettext("%(actor)s withdrew this issuer's endorsement of %(subject)s") % _endorsed(entry)


@says("endorsement.accepted")
def _endorsement_accepted(entry: Entry) -> str:
    return gettext("%(actor)s accepted the endorsement of %(subject)s by %(endorser)s") % _endorsed(entry)


@says("endorsement.declined")
def _endorsement_declined(entry: Entry) -> str:
    return gettext("%(actor)s declined or stopped showing the endorsement of %(subject)s by %(endorser)s") % _endorsed(
        entry
    )


@says("endorsement.added")
def _endorsement_added(entry: Entry) -> str:
    return gettext("%(actor)s added the endorsement of %(subject)s by %(endorser)s, signed elsewhere") % _endorsed(
        entry
    )


# ----- the platform


@says("account.locked_out")
def _account_locked_out(entry: Entry) -> str:
    minutes, attempts = entry.count("minutes"), entry.count("failure_limit")
    return gettext("Sign-in for %(who)s was locked for %(minutes)s after %(attempts)s") % {
        "who": entry.text("username", gettext("an unknown account")),
        "minutes": counted(ngettext("%(count)s minute", "%(count)s minutes", minutes), minutes),
        "attempts": counted(ngettext("%(count)s failed attempt", "%(count)s failed attempts", attempts), attempts),
    }
