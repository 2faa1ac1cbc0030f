"""The audit log in sentences: one renderer per action, all of them here.

"Ana Lopez revoked Jane Doe's “Python Foundations” — reason: awarded by mistake." A renderer reads what the service
recorded in the row (`data`) and the names of the row's object (`subject`: the recipient, the achievement, the file,
looked up for a whole page at once through issuer.extensions.AuditSubjects). What it cannot find it words in general
terms ("a learner"), and an action without a renderer here — one added later, or a row from an older version — gets
`generic`, which words the action and its data as plain text. A reader never sees JSON.

Sentences are plain text: the templates escape them like any other value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from issuer.models import AuditEvent, KeyPurpose, Role

# A UUID inside an actor's label ("bulk job 6f1c…", "stacking rule 0b3a…"): its first part tells jobs apart.
_UUID = re.compile(r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@dataclass(frozen=True)
class Entry:
    """One audit row as a renderer reads it."""

    action: str
    actor: str
    data: Mapping[str, Any]
    subject: Mapping[str, str]
    object_type: str
    object_id: str

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
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(text for text in (plain(item) for item in value) if text)
    if isinstance(value, dict):  # by key: PostgreSQL's jsonb does not keep the order the row was written in
        return "; ".join(f"{words(key)}: {text}" for key, item in sorted(value.items()) if (text := plain(item)))
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def words(identifier: str) -> str:
    """`email_failed` → "email failed"."""
    return str(identifier).replace("_", " ").strip()


def quoted(name: str) -> str:
    return f"“{name}”"


def possessive(name: str) -> str:
    return f"{name}'s"


def plural(count: int, word: str, many: str = "") -> str:
    return f"{count:,} {word if count == 1 else many or f'{word}s'}"


def with_reason(sentence: str, reason: str) -> str:
    return f"{sentence} — reason: {reason}" if reason else sentence


def role(value: str) -> str:
    return Role(value).label if value in Role.values else words(value)


def actor_name(event: AuditEvent) -> str:
    """Who acted: the person (their full name, else their username) and what they acted through ("via API token
    k3v9x2qa (CRM)", "via bulk job 6f1c2d3e…"); the label alone for the platform's own work; "The platform" when
    the row names no one."""
    label = _UUID.sub(r"\1…", event.actor_label or "")
    user = event.actor
    if user is not None:
        name = user.get_full_name().strip() or user.get_username()
        return f"{name} via {label}" if label else name
    if " " not in label and "_" in label:  # a management command names itself: "rotate_key"
        return f"The {label} command"
    if label:
        return label[:1].upper() + label[1:]
    return "The platform"


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
    """The row in one sentence. A row whose data does not have the shape its renderer expects (written by another
    version) is worded generically rather than failing the page."""
    entry = Entry(
        action=event.action,
        actor=actor_name(event),
        data=event.data if isinstance(event.data, dict) else {"details": event.data},
        subject=subject or {},
        object_type=event.object_type,
        object_id=event.object_id,
    )
    render = SENTENCES.get(event.action, generic)
    try:
        return render(entry)
    except (KeyError, TypeError, ValueError, AttributeError):
        return generic(entry)


def generic(entry: Entry) -> str:
    """ "Ana Lopez: widget frobbed (widget 12) — colour: red; size: 3"."""
    what = words(entry.action.replace(".", " "))
    target = next(iter(entry.subject.values()), "") or f"{words(entry.object_type)} {entry.object_id}".strip()
    details = plain(dict(entry.data))
    sentence = f"{entry.actor}: {what[:1].upper()}{what[1:]}" + (f" ({target})" if target else "")
    return f"{sentence} — {details}" if details else sentence


# ----- credentials


def _recipient(entry: Entry) -> str:
    return entry.name("recipient", "to", default="a learner")


def _achievement(entry: Entry) -> str:
    return quoted(entry.name("achievement", "achievement", default="an achievement"))


@says("credential.issued")
def _credential_issued(entry: Entry) -> str:
    return f"{entry.actor} awarded {_achievement(entry)} to {_recipient(entry)}"


@says("credential.revoked")
def _credential_revoked(entry: Entry) -> str:
    sentence = f"{entry.actor} revoked {possessive(_recipient(entry))} {_achievement(entry)}"
    return with_reason(sentence, entry.text("reason"))


@says("credential.suspended")
def _credential_suspended(entry: Entry) -> str:
    sentence = f"{entry.actor} suspended {possessive(_recipient(entry))} {_achievement(entry)}"
    return with_reason(sentence, entry.text("reason"))


@says("credential.unsuspended")
def _credential_unsuspended(entry: Entry) -> str:
    return f"{entry.actor} reinstated {possessive(_recipient(entry))} {_achievement(entry)}"


@says("credential.emailed")
def _credential_emailed(entry: Entry) -> str:
    to = entry.text("to") or entry.name("email", default="the learner")
    return f"The award e-mail for {_achievement(entry)} was sent to {to}"


@says("credential.email_failed")
def _credential_email_failed(entry: Entry) -> str:
    to = entry.text("to") or entry.name("email", default="the learner")
    sentence = f"The award e-mail for {_achievement(entry)} to {to} could not be sent"
    return f"{sentence}: {entry.text('error')}" if entry.text("error") else sentence


# A take-up of an award by the learner's wallet (wallets.services): the format and the kind of key it was bound to.
_WALLET_FORMATS = {"ldp_vc": "a Data Integrity credential", "jwt_vc_json": "a VC-JWT"}
_WALLET_BINDINGS = {"did:key": "their did:key", "did:jwk": "their did:jwk", "jwk": "a key their wallet holds"}


@says("credential.added_to_wallet")
def _credential_added_to_wallet(entry: Entry) -> str:
    sentence = f"{_recipient(entry)[:1].upper()}{_recipient(entry)[1:]} added {_achievement(entry)} to a wallet"
    if entry.text("protocol"):
        sentence += f" through {entry.text('protocol')}"
    what = _WALLET_FORMATS.get(entry.text("format"), entry.text("format"))
    bound = _WALLET_BINDINGS.get(entry.text("binding"), entry.text("binding"))
    if what:
        sentence += f", as {what}"
    return sentence + (f" bound to {bound}" if bound else "")


# ----- achievements


def _achievement_named(entry: Entry) -> str:
    return quoted(entry.name("name", "name", "slug", default=f"#{entry.object_id}"))


@says("achievement.created")
def _achievement_created(entry: Entry) -> str:
    return f"{entry.actor} created the achievement {_achievement_named(entry)}"


@says("achievement.updated")
def _achievement_updated(entry: Entry) -> str:
    changed = ", ".join(words(field) for field in entry.data.get("changed") or [] if field != "version")
    sentence = f"{entry.actor} updated the achievement {_achievement_named(entry)}"
    if changed:
        sentence += f" ({changed})"
    return sentence + (f", now version {entry.text('version')}" if entry.text("version") else "")


@says("achievement.archived")
def _achievement_archived(entry: Entry) -> str:
    return f"{entry.actor} archived the achievement {_achievement_named(entry)}"


@says("achievement.unarchived")
def _achievement_unarchived(entry: Entry) -> str:
    return f"{entry.actor} brought back the archived achievement {_achievement_named(entry)}"


@says("achievement.deleted")
def _achievement_deleted(entry: Entry) -> str:
    return f"{entry.actor} deleted the achievement {_achievement_named(entry)}"


# ----- bulk awards


def _job(entry: Entry) -> str:
    return entry.name("file", "file", default="without a file name")


@says("bulk.created")
def _bulk_created(entry: Entry) -> str:
    total, valid = entry.count("total"), entry.count("valid")
    return f"{entry.actor} uploaded {_job(entry)}: {plural(total, 'row')}, {valid:,} can be issued"


@says("bulk.started")
def _bulk_started(entry: Entry) -> str:
    return f"{entry.actor} confirmed bulk job {_job(entry)}: its rows are being issued"


@says("bulk.resumed")
def _bulk_resumed(entry: Entry) -> str:
    return f"{entry.actor} resumed bulk job {_job(entry)}"


@says("bulk.paused")
def _bulk_paused(entry: Entry) -> str:
    return f"{entry.actor} paused bulk job {_job(entry)}"


@says("bulk.cancelled")
def _bulk_cancelled(entry: Entry) -> str:
    done, failed = entry.count("done"), entry.count("failed")
    if not done and not failed:
        return f"{entry.actor} cancelled bulk job {_job(entry)} before anything was issued"
    return f"{entry.actor} cancelled bulk job {_job(entry)} after {plural(done, 'row')} done, {failed:,} failed"


@says("bulk.finished")
def _bulk_finished(entry: Entry) -> str:
    done, failed = entry.count("done"), entry.count("failed")
    sentence = f"Bulk job {_job(entry)}: {plural(done, 'row')} issued"
    return sentence + (f", {failed:,} failed" if failed else "")


@says("bulk.undo_requested")
def _bulk_undo_requested(entry: Entry) -> str:
    return with_reason(f"{entry.actor} asked to undo bulk job {_job(entry)}", entry.text("reason"))


@says("bulk.undone")
def _bulk_undone(entry: Entry) -> str:
    return f"Bulk job {_job(entry)} undone: {plural(entry.count('revoked'), 'credential')} revoked"


# ----- the issuer and its staff


@says("issuer.created")
def _issuer_created(entry: Entry) -> str:
    return f"{entry.actor} created this issuer"


@says("issuer.updated")
def _issuer_updated(entry: Entry) -> str:
    changed = ", ".join(words(field) for field in entry.data.get("changed") or [])
    return f"{entry.actor} updated the issuer profile" + (f" ({changed})" if changed else "")


@says("staff.added")
def _staff_added(entry: Entry) -> str:
    return f"{entry.actor} added {entry.text('user', 'someone')} to the staff as {role(entry.text('role'))}"


@says("staff.role_changed")
def _staff_role_changed(entry: Entry) -> str:
    who, to = entry.text("user", "someone"), role(entry.text("role"))
    if previous := entry.text("previous"):
        return f"{entry.actor} changed {possessive(who)} role from {role(previous)} to {to}"
    return f"{entry.actor} changed {possessive(who)} role to {to}"


@says("staff.invited")
def _staff_invited(entry: Entry) -> str:
    sentence = f"{entry.actor} invited {entry.text('email', 'someone')} to join as {role(entry.text('role'))}"
    return sentence + (", replacing an earlier invitation" if entry.data.get("replaces") else "")


@says("staff.invitation_accepted")
def _staff_invitation_accepted(entry: Entry) -> str:
    who = entry.actor if entry.actor != "The platform" else entry.text("user", "Someone")
    return (
        f"{who} accepted the invitation sent to {entry.text('email', 'them')} and joined as {role(entry.text('role'))}"
    )


@says("staff.invitation_revoked")
def _staff_invitation_revoked(entry: Entry) -> str:
    return f"{entry.actor} withdrew the invitation to {entry.text('email', 'someone')} ({role(entry.text('role'))})"


@says("staff.removed")
def _staff_removed(entry: Entry) -> str:
    return f"{entry.actor} removed {entry.text('user', 'someone')} ({role(entry.text('role'))}) from the staff"


# ----- keys, tokens, webhooks


def _purpose(entry: Entry) -> str:
    value = entry.text("purpose")
    return KeyPurpose(value).label if value in KeyPurpose.values else words(value) or "signing"


@says("key.created")
def _key_created(entry: Entry) -> str:
    key = entry.text("key_id", "a signing key")
    return f"{entry.actor} created the signing key {key} ({entry.text('algorithm', 'unknown algorithm')}, {_purpose(entry)})"


@says("key.rotated")
def _key_rotated(entry: Entry) -> str:
    sentence = f"{entry.actor} rotated the {_purpose(entry)} key: {entry.text('key_id', 'a new key')} is now in use"
    return sentence + (f", {entry.text('retired')} retired" if entry.text("retired") else "")


@says("key.compromised")
def _key_compromised(entry: Entry) -> str:
    sentence = f"{entry.actor} marked the signing key {entry.text('key_id', 'a key')} as compromised"
    return with_reason(sentence, entry.text("reason"))


def _token(entry: Entry) -> str:
    name, prefix = entry.text("name"), entry.text("prefix")
    return " ".join(part for part in (quoted(name) if name else "", f"({prefix})" if prefix else "") if part)


@says("api_token.created")
def _api_token_created(entry: Entry) -> str:
    scopes = entry.text("scopes")
    sentence = f"{entry.actor} created the API token {_token(entry)}"
    return sentence + (f" with the scopes {scopes}" if scopes else " that can only read")


@says("api_token.revoked")
def _api_token_revoked(entry: Entry) -> str:
    return f"{entry.actor} revoked the API token {_token(entry)}"


def _endpoint(entry: Entry) -> str:
    url = entry.name("url", "url", default="")
    return f"the webhook endpoint {url}" if url else "a webhook endpoint deleted since"


@says("webhook.created")
def _webhook_created(entry: Entry) -> str:
    return f"{entry.actor} added {_endpoint(entry)} for {entry.text('events', 'no events')}"


@says("webhook.updated")
def _webhook_updated(entry: Entry) -> str:
    return f"{entry.actor} changed {_endpoint(entry)}, now for {entry.text('events', 'no events')}"


@says("webhook.secret_rotated")
def _webhook_secret_rotated(entry: Entry) -> str:
    return f"{entry.actor} gave {_endpoint(entry)} a new signing secret"


@says("webhook.deleted")
def _webhook_deleted(entry: Entry) -> str:
    return f"{entry.actor} deleted {_endpoint(entry)}"


@says("webhook.enabled")
def _webhook_enabled(entry: Entry) -> str:
    return f"{entry.actor} turned {_endpoint(entry)} back on"


@says("webhook.disabled")
def _webhook_disabled(entry: Entry) -> str:
    failures = plural(entry.count("failures"), "failed delivery", "failed deliveries")
    return f"{_endpoint(entry)[:1].upper()}{_endpoint(entry)[1:]} was turned off after {failures} in a row"


# ----- qualifications and partnerships


def _rule(entry: Entry) -> str:
    return quoted(entry.name("achievement", "achievement", default="an achievement"))


@says("qualification.created")
def _qualification_created(entry: Entry) -> str:
    sentence = f"{entry.actor} created the qualification rule for {_rule(entry)}"
    return sentence + (f": {entry.text('summary')}" if entry.text("summary") else "")


@says("qualification.changed")
def _qualification_changed(entry: Entry) -> str:
    sentence = f"{entry.actor} changed the qualification rule for {_rule(entry)}"
    return sentence + (f": {entry.text('summary')}" if entry.text("summary") else "")


@says("qualification.applied")
def _qualification_applied(entry: Entry) -> str:
    outcomes = ", ".join(
        f"{count:,} {words(outcome)}"
        for outcome, count in entry.data.items()
        if outcome != "qualifying" and isinstance(count, int) and outcome
    )
    sentence = f"{entry.actor} applied the qualification rule for {_rule(entry)} to "
    sentence += plural(entry.count("qualifying"), "learner") + " who qualify"
    return sentence + (f": {outcomes}" if outcomes else "")


@says("qualification.issue_failed")
def _qualification_issue_failed(entry: Entry) -> str:
    sentence = f"The qualification rule for {_rule(entry)} could not award its credential"
    return sentence + (f": {entry.text('error')}" if entry.text("error") else "")


@says("qualification.deactivated")
def _qualification_deactivated(entry: Entry) -> str:
    return f"{entry.actor} deactivated the qualification rule for {_rule(entry)}"


@says("partnership.requested")
def _partnership_requested(entry: Entry) -> str:
    partner = entry.name("partner", "partner", default="another issuer")
    return f"{entry.actor} asked {partner} to let this issuer's qualification rules use its achievements"


@says("partnership.accepted")
def _partnership_accepted(entry: Entry) -> str:
    requester = entry.name("issuer", "issuer", default="another issuer")
    return f"{entry.actor} let {requester} use this issuer's achievements in its qualification rules"


@says("partnership.ended")
def _partnership_ended(entry: Entry) -> str:
    requester = entry.name("issuer", "issuer", default="another issuer")
    return f"{entry.actor} declined or ended the partnership with {requester}"


# ----- the platform


@says("account.locked_out")
def _account_locked_out(entry: Entry) -> str:
    who = entry.text("username", "an unknown account")
    minutes = entry.count("minutes")
    return (
        f"Sign-in for {who} was locked for {plural(minutes, 'minute')} after "
        f"{plural(entry.count('failure_limit'), 'failed attempt')}"
    )
