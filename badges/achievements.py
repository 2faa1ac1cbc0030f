"""Writes for achievements (create, update, archive, unarchive) and the choices of the lists' filters.

Every write first checks that its actor may edit the issuer's achievements (Action.EDIT_ACHIEVEMENTS, D34), runs
in one transaction with its AuditEvent and calls `full_clean()`, so the model's rules (criteria narrative or URL,
OB 3.0 types, text normalization) apply whoever calls it.

Credentials already issued embed a signed copy of the achievement and never change. An update that
changes what a future credential would embed (see `badges.documents.achievement_document`) bumps
`version` (`next_version`), so two credentials carrying the same version always embed the same
achievement. Image files are never overwritten or deleted: a replaced image stays reachable at the
URL that earlier credentials carry.

Refusals are worded in the active language (the editor's page, or the API request's); what an achievement says is
the issuer's own text and is never translated.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import ForeignObjectRel
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from badges import documents
from badges.models import RESULT_TYPES, Achievement, Alignment, Credential
from issuer.images import image_store
from issuer.models import Issuer
from issuer.permissions import Action, Actor, authorize
from issuer.services import audit_record
from verification.text import clean_text

# Fields a caller may set; `version` only at creation (afterwards it is bumped, never typed).
CREATE_FIELDS = frozenset(
    {
        "slug",
        "name",
        "description",
        "criteria_narrative",
        "criteria_url",
        "image",
        "image_caption",
        "achievement_type",
        "tags",
        "credits_available",
        "field_of_study",
        "human_code",
        "specialization",
        "in_language",
        "version",
        "validity_days",
    }
)
UPDATE_FIELDS = CREATE_FIELDS - {"version"}
ALIGNMENT_FIELDS = (
    "target_name",
    "target_url",
    "target_framework",
    "target_code",
    "target_type",
    "target_description",
)

_EXTENSION = re.compile(r"ext:[A-Za-z0-9.\-_]+")
# The OB 3.0 JSON schema's LanguageCode pattern: language, optional script, optional region.
# Every tag it accepts is a well-formed BCP 47 tag; a credential with any other tag fails the schema.
LANGUAGE_TAG = re.compile(r"[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?")
LANGUAGE_TAG_ERROR = _(
    "Use a BCP 47 language tag: a language code, optionally a script and a region, such as en, fr-CA or zh-Hant-TW."
)


class AchievementConflict(ValidationError):
    """Someone else saved the achievement after the editor loaded it; nothing was saved."""


class AchievementInUse(Exception):
    """The achievement cannot be deleted; the message says what uses it (archive it instead)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def edit_token(achievement: Achievement) -> str:
    """Identifies the saved state an edit form was loaded from (see `achievement_update`)."""
    return achievement.updated_at.isoformat() if achievement.updated_at else ""


# ---------------------------------------------------------------------------------------------
# Small rules shared by the forms and the services


def normalize_language_tag(value: str) -> str:
    """`value` in the canonical case of BCP 47 (en-ca → en-CA, zh-hant-tw → zh-Hant-TW); raises if malformed."""
    value = value.strip()
    if not value:
        return ""
    parts = value.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part)
    tag = "-".join(out)
    if not LANGUAGE_TAG.fullmatch(tag):
        raise ValidationError(LANGUAGE_TAG_ERROR, code="invalid_language")
    return tag


def is_extension_type(value: str) -> bool:
    """True for an OB 3.0 vocabulary extension such as `ext:Bootcamp`."""
    return bool(_EXTENSION.fullmatch(value))


def parse_tags(value: str | Iterable[str]) -> list[str]:
    """Comma-separated text (or a list) → tags: trimmed, empty ones dropped, duplicates (any case) once."""
    items = value.split(",") if isinstance(value, str) else list(value)
    tags: list[str] = []
    seen: set[str] = set()
    for item in items:
        tag = " ".join(clean_text(str(item), multiline=False).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


def next_version(version: str) -> str:
    """The version after `version`.

    An integer counts up ("1" → "2"); a version ending in digits counts up its last number, keeping
    its zero padding ("1.0" → "1.1", "2024.09" → "2024.10", "v3" → "v4"); any other gets ".1"
    appended ("beta" → "beta.1", which then counts up like the rest).
    """
    version = version.strip()
    if not version:
        return "1"
    match = re.fullmatch(r"(.*?)(\d+)", version)
    if match is None:
        return f"{version}.1"
    prefix, number = match.groups()
    return f"{prefix}{int(number) + 1:0{len(number)}d}"


# ---------------------------------------------------------------------------------------------
# Reads for the lists' filters (badges.filters)


def achievement_filter_choices(*, issuer: Issuer) -> dict[str, list[str]]:
    """The achievement types and tags the issuer uses, for the list's filters."""
    rows = Achievement.objects.filter(issuer=issuer).values_list("achievement_type", "tags")
    types: set[str] = set()
    tags: dict[str, str] = {}
    for achievement_type, achievement_tags in rows:
        types.add(achievement_type)
        for t in achievement_tags:
            tags.setdefault(t.casefold(), t)
    return {"types": sorted(types, key=str.casefold), "tags": sorted(tags.values(), key=str.casefold)}


# ---------------------------------------------------------------------------------------------
# Writes


def _check_keys(data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"Unknown achievement field(s): {', '.join(sorted(unknown))}.")


def _free_slug(issuer: Issuer, name: str, exclude_pk: int | None) -> str:
    base = slugify(name)[:50].strip("-") or "achievement"
    taken = set(
        Achievement.objects.filter(issuer=issuer, slug__startswith=base[:40])
        .exclude(pk=exclude_pk)  # type: ignore[misc]  # None (a new achievement) excludes nothing
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    for number in range(2, 10_000):
        suffix = f"-{number}"
        candidate = base[: 50 - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
    return f"{base[:41]}-{uuid.uuid4().hex[:8]}"


def slug_taken_error(slug: str) -> str:
    return gettext(
        "This issuer already has an achievement with the slug “%(slug)s”; choose another or leave it empty."
    ) % {"slug": slug}


def _alignment_rows(alignments: Sequence[Mapping[str, Any]]) -> tuple[list[Alignment], list[str]]:
    rows: list[Alignment] = []
    errors: list[str] = []
    for position, item in enumerate(alignments):
        unknown = set(item) - set(ALIGNMENT_FIELDS)
        if unknown:
            raise TypeError(f"Unknown alignment field(s): {', '.join(sorted(unknown))}.")
        values = {
            k: clean_text(item.get(k) or "", multiline=k == "target_description").strip() for k in ALIGNMENT_FIELDS
        }
        alignment = Alignment(position=position, **values)
        try:
            alignment.full_clean(exclude=["achievement"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                label = field.replace("target_", "target ").replace("_", " ")
                errors.extend(
                    gettext("Alignment %(number)s, %(field)s: %(message)s")
                    % {"number": position + 1, "field": label, "message": m}
                    for m in messages
                )
        rows.append(alignment)
    return rows, errors


def _text_value(value: Any) -> str:
    return " ".join(clean_text(str(value), multiline=False).split()) if value is not None else ""


def _number_or_none(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_RESULT_KEYS = frozenset(
    {"id", "name", "resultType", "allowedValue", "requiredValue", "requiredLevel", "valueMin", "valueMax"}
)


def clean_result_description(item: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """One OB 3.0 ResultDescription, normalized, and its problems (plain sentences)."""
    unknown = set(item) - _RESULT_KEYS
    if unknown:
        raise TypeError(f"Unknown result description key(s): {', '.join(sorted(unknown))}.")
    errors: list[str] = []
    name = _text_value(item.get("name"))
    result_type = _text_value(item.get("resultType"))
    out: dict[str, Any] = {"id": _text_value(item["id"])} if item.get("id") else {}
    out.update(name=name, resultType=result_type)
    if "id" in out and not _ABSOLUTE_URI.fullmatch(out["id"]):
        # A relative identifier cannot be signed: JSON-LD processors refuse it (docs/decisions.md D10).
        errors.append(
            gettext("The result's identifier must be an absolute URI, such as https://example.org/results/1.")
        )
    if not name:
        errors.append(gettext("Give the result a name."))
    if result_type not in RESULT_TYPES and not is_extension_type(result_type):
        errors.append(gettext("Choose a result type from the list, or an extension such as ext:Score."))
    allowed = [v for v in (_text_value(v) for v in item.get("allowedValue") or []) if v]
    if allowed:
        out["allowedValue"] = allowed
    for key in ("requiredValue", "requiredLevel", "valueMin", "valueMax"):
        value = _text_value(item.get(key))
        if value:
            out[key] = value
    low, high = _number_or_none(out.get("valueMin", "")), _number_or_none(out.get("valueMax", ""))
    required = out.get("requiredValue")
    required_number = _number_or_none(required or "")
    if low is not None and high is not None and low > high:
        errors.append(
            gettext("The minimum (%(min)s) is above the maximum (%(max)s).")
            % {"min": out["valueMin"], "max": out["valueMax"]}
        )
    if required is not None and allowed and required not in allowed:
        errors.append(gettext("The required value “%(value)s” is not one of the allowed values.") % {"value": required})
    elif required_number is not None and (
        (low is not None and required_number < low) or (high is not None and required_number > high)
    ):
        errors.append(gettext("The required value %(value)s is outside the minimum and maximum.") % {"value": required})
    return out, errors


def clean_result_descriptions(items: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """OB 3.0 ResultDescription dicts, normalized, and the problems found, each naming its row.

    Names must differ: a result description without an `id` is identified by its name.
    """
    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        out, problems = clean_result_description(item)
        errors.extend(
            gettext("Result %(number)s: %(problem)s") % {"number": position, "problem": problem} for problem in problems
        )
        if out["name"] and out["name"].casefold() in seen:
            errors.append(
                gettext("Result %(number)s: another result is already called “%(name)s”; names must differ.")
                % {"number": position, "name": out["name"]}
            )
        seen.add(out["name"].casefold())
        cleaned.append(out)
    return cleaned, errors


def _attach_image(achievement: Achievement, upload: File) -> None:
    # Stored under the hash of its content (docs/decisions.md D28), never under the uploader's file name: a
    # stored image is never overwritten or deleted, so every credential keeps a working image URL. An upload
    # whose form fails for another reason leaves its file behind, which a new attempt then reuses.
    achievement.image = image_store(upload, folder="achievements")


def _full_clean(achievement: Achievement, errors: dict[str, list[str]]) -> None:
    # The model normalizes text in clean(), which runs after the blank checks: normalize first so
    # that a name of spaces or control characters counts as missing.
    for name in Achievement.SINGLE_LINE_FIELDS:
        setattr(achievement, name, clean_text(getattr(achievement, name) or "", multiline=False).strip())
    for name in Achievement.MULTI_LINE_FIELDS:
        setattr(achievement, name, clean_text(getattr(achievement, name) or "", multiline=True).strip())
    try:
        # The slug's uniqueness is checked above with a clearer message; the constraint stays the backstop.
        achievement.full_clean(validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _apply(achievement: Achievement, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    for field, value in data.items():
        if field == "image":
            if value is None:
                achievement.image = ""
            else:
                try:
                    _attach_image(achievement, value)
                except ValidationError as exc:
                    errors.setdefault("image", []).extend(exc.messages)
        elif field == "tags":
            achievement.tags = parse_tags(value)
        elif field == "in_language":
            try:
                achievement.in_language = normalize_language_tag(value or "")
            except ValidationError as exc:
                achievement.in_language = value
                errors.setdefault("in_language", []).extend(exc.messages)
        elif field in ("credits_available", "validity_days"):
            setattr(achievement, field, value if value not in ("", None) else None)
        else:
            setattr(achievement, field, "" if value is None else value)


def _save(achievement: Achievement) -> None:
    try:
        with transaction.atomic():
            achievement.save()
    except IntegrityError as exc:
        # A concurrent write took the slug between our check and the insert.
        raise ValidationError({"slug": [slug_taken_error(achievement.slug)]}) from exc


def _audit(achievement: Achievement, action: str, actor: Actor, changed: Iterable[str]) -> None:
    audit_record(
        issuer=achievement.issuer,
        action=action,
        obj=achievement,
        actor=actor,
        data={"changed": sorted(changed), "version": achievement.version},
    )


@transaction.atomic
def achievement_create(
    *,
    issuer: Issuer,
    actor: Actor,
    data: Mapping[str, Any],
    alignments: Sequence[Mapping[str, Any]] = (),
    result_descriptions: Sequence[Mapping[str, Any]] = (),
) -> Achievement:
    """Create an achievement with its alignments and result descriptions.

    `data` holds model fields (`CREATE_FIELDS`); `tags` may be a list or comma-separated text; an
    empty `slug` is derived from the name and made unique; `image` is an uploaded file. Raises
    ValidationError (keyed by field; "alignments" and "result_descriptions" for those lists).
    """
    authorize(actor, issuer, Action.EDIT_ACHIEVEMENTS)
    _check_keys(data, CREATE_FIELDS)
    errors: dict[str, list[str]] = {}
    achievement = Achievement(issuer=issuer)
    _apply(achievement, data, errors)
    achievement.slug = (achievement.slug or "").strip()
    if not achievement.slug:
        achievement.slug = _free_slug(issuer, achievement.name or "", None)
    elif Achievement.objects.filter(issuer=issuer, slug=achievement.slug).exists():
        errors.setdefault("slug", []).append(slug_taken_error(achievement.slug))
    achievement.result_descriptions, result_errors = clean_result_descriptions(result_descriptions)
    if result_errors:
        errors["result_descriptions"] = result_errors
    rows, alignment_errors = _alignment_rows(alignments)
    if alignment_errors:
        errors["alignments"] = alignment_errors
    _full_clean(achievement, errors)
    _save(achievement)
    for row in rows:
        row.achievement = achievement
        row.save()
    given = _snapshot(achievement)
    changed = [field for field, value in given.items() if value not in ("", None, [])]
    _audit(achievement, "achievement.created", actor, [*changed, *(["alignments"] if rows else [])])
    return achievement


def _alignment_key(alignment: Alignment) -> tuple[str, ...]:
    return tuple(getattr(alignment, field) for field in ALIGNMENT_FIELDS)


def _embedded(achievement: Achievement, alignments: list[Alignment]) -> dict[str, Any]:
    document = documents.achievement_document(achievement, alignments=alignments)
    document.pop("version", None)
    return document


_TRACKED = tuple(sorted(UPDATE_FIELDS | {"result_descriptions"}))


def _snapshot(achievement: Achievement) -> dict[str, Any]:
    values = {field: getattr(achievement, field) for field in _TRACKED}
    values["image"] = achievement.image.name or ""
    return values


@transaction.atomic
def achievement_update(
    *,
    achievement: Achievement,
    actor: Actor,
    data: Mapping[str, Any],
    alignments: Sequence[Mapping[str, Any]] | None = None,
    result_descriptions: Sequence[Mapping[str, Any]] | None = None,
    expected_token: str | None = None,
) -> Achievement:
    """Change an achievement; fields absent from `data` (and `alignments`/`result_descriptions` left None)
    stay as they are. `image`: a file replaces it, None removes it.

    Credentials already issued are untouched. When what a new credential would embed changes, the
    version is bumped (`next_version`). Nothing changed → nothing saved, no audit row.
    With `expected_token` (`edit_token` of what the editor saw), a save that would overwrite
    someone else's newer save raises AchievementConflict instead.
    """
    _check_keys(data, UPDATE_FIELDS)
    achievement = _locked(achievement, actor)
    if expected_token is not None and expected_token != edit_token(achievement):
        raise AchievementConflict(
            gettext(
                "Someone else saved this achievement while you were editing it (it is now version %(version)s). "
                "Nothing was saved: compare with the achievement's page, then save again to replace their changes "
                "with yours."
            )
            % {"version": achievement.version},
            code="conflict",
        )
    current_alignments = list(achievement.alignments.all())
    before = _snapshot(achievement)
    before_embedded = _embedded(achievement, current_alignments)
    errors: dict[str, list[str]] = {}
    _apply(achievement, data, errors)
    if "slug" in data:
        achievement.slug = (achievement.slug or "").strip()
        if not achievement.slug:
            achievement.slug = _free_slug(achievement.issuer, achievement.name or "", achievement.pk)
        elif (
            Achievement.objects.filter(issuer=achievement.issuer, slug=achievement.slug)
            .exclude(pk=achievement.pk)
            .exists()
        ):
            errors.setdefault("slug", []).append(slug_taken_error(achievement.slug))
    if result_descriptions is not None:
        achievement.result_descriptions, result_errors = clean_result_descriptions(result_descriptions)
        if result_errors:
            errors["result_descriptions"] = result_errors
    new_alignments = current_alignments
    if alignments is not None:
        new_alignments, alignment_errors = _alignment_rows(alignments)
        if alignment_errors:
            errors["alignments"] = alignment_errors
    _full_clean(achievement, errors)

    after = _snapshot(achievement)
    changed = [field for field in _TRACKED if before[field] != after[field]]
    alignments_changed = [_alignment_key(a) for a in new_alignments] != [_alignment_key(a) for a in current_alignments]
    if alignments_changed:
        changed.append("alignments")
    if not changed:
        return achievement
    if _embedded(achievement, new_alignments) != before_embedded:
        bumped = next_version(achievement.version)
        if len(bumped) > cast(int, Achievement._meta.get_field("version").max_length):  # a CharField's, always set
            raise ValidationError(
                {
                    "version": [
                        gettext("The version “%(version)s” is too long to count up; ask an owner to reset it.")
                        % {"version": achievement.version}
                    ]
                }
            )
        achievement.version = bumped
        changed.append("version")
    _save(achievement)
    if alignments_changed:
        achievement.alignments.all().delete()
        for row in new_alignments:
            row.achievement = achievement
            row.save()
    _audit(achievement, "achievement.updated", actor, changed)
    return achievement


def _locked(achievement: Achievement, actor: Actor) -> Achievement:
    """The achievement, locked, once `actor` is found allowed to edit its issuer's achievements."""
    achievement = Achievement.objects.select_for_update(of=("self",)).select_related("issuer").get(pk=achievement.pk)
    authorize(actor, achievement.issuer, Action.EDIT_ACHIEVEMENTS)
    return achievement


def _set_archived(achievement: Achievement, actor: Actor, archived: bool) -> Achievement:
    achievement = _locked(achievement, actor)
    if achievement.archived == archived:
        return achievement
    achievement.archived = archived
    achievement.save(update_fields=["archived", "updated_at"])
    _audit(achievement, "achievement.archived" if archived else "achievement.unarchived", actor, ["archived"])
    return achievement


@transaction.atomic
def achievement_archive(*, achievement: Achievement, actor: Actor) -> Achievement:
    """Withdraw an achievement from awarding (its credentials stay valid). Archiving twice changes nothing."""
    return _set_archived(achievement, actor, True)


@transaction.atomic
def achievement_unarchive(*, achievement: Achievement, actor: Actor) -> Achievement:
    """Make an archived achievement awardable again."""
    return _set_archived(achievement, actor, False)


def _named_by(achievement: Achievement, app_label: str) -> bool:
    """Whether rows of the app `app_label` refer to the achievement. Asked of the database through the foreign keys
    that point here (hidden ones too: bulk rows name achievements with related_name="+"), so that badges never
    imports the apps built on it (bulk, stacking); their keys are PROTECT, so the delete would fail anyway."""
    return any(
        relation.related_model._base_manager.filter(**{relation.field.name: achievement}).exists()
        for relation in Achievement._meta.get_fields(include_hidden=True)
        if isinstance(relation, ForeignObjectRel)
        and not isinstance(relation.related_model, str)
        and relation.related_model._meta.app_label == app_label
    )


@transaction.atomic
def achievement_delete(*, achievement: Achievement, actor: Actor) -> None:
    """Delete an achievement nothing refers to: never awarded, in no bulk job, in no stacking rule. Anything else
    is refused with AchievementInUse — issued credentials link to the achievement, so it is archived instead."""
    achievement = _locked(achievement, actor)
    awarded = Credential.objects.filter(achievement=achievement).count()
    if awarded:
        raise AchievementInUse(
            ngettext(
                "%(name)s has been awarded %(count)s time: archive it instead (its credentials stay valid).",
                "%(name)s has been awarded %(count)s times: archive it instead (its credentials stay valid).",
                awarded,
            )
            % {"name": repr(achievement.name), "count": awarded}
        )
    if _named_by(achievement, "bulk"):
        raise AchievementInUse(
            gettext("%(name)s is named by a bulk job: archive it instead.") % {"name": repr(achievement.name)}
        )
    if _named_by(achievement, "stacking"):
        raise AchievementInUse(
            gettext("%(name)s is part of a stacking rule: archive it instead.") % {"name": repr(achievement.name)}
        )
    audit_record(
        issuer=achievement.issuer,
        action="achievement.deleted",
        obj=achievement,
        actor=actor,
        data={"slug": achievement.slug, "name": achievement.name, "uuid": str(achievement.uuid)},
    )
    achievement.delete()
