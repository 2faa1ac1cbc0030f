"""Forms of the issuer UI's achievement pages. They validate and shape input; `badges.achievements` writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.forms.utils import ErrorDict, ErrorList
from django.http import QueryDict
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from badges.achievements import (
    clean_result_description,
    edit_token,
    is_extension_type,
    normalize_language_tag,
    parse_tags,
    slug_taken_error,
)
from badges.markdown import MAX_INPUT_CHARS
from badges.models import ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES, RESULT_TYPES, Achievement
from issuer.images import IMAGE_ACCEPT, IMAGE_HELP, ImageError, check_image
from issuer.models import Issuer, slug_validator

EXTENSION = "ext"
EXTENSION_LABEL = _("Other: an extension (ext:…)")
URL_ERROR = _("Enter a full web address starting with https:// or http://, such as https://example.org/criteria.")


def _url_field(label: Any, *, required: bool, help_text: Any = "") -> forms.URLField:
    return forms.URLField(
        label=label,
        required=required,
        max_length=200,
        assume_scheme="https",
        help_text=help_text,
        error_messages={"invalid": URL_ERROR, "required": _("Give the web address.")},
    )


def _resolve_extension(choice: str, extension: str, *, field: str, missing: str) -> tuple[str, dict[str, str]]:
    """The type chosen in a select with an "Other (ext:)" option and its text input. `missing`: what to say when
    "Other" is chosen and the extension left empty."""
    extension = extension.strip()
    if choice == EXTENSION:
        if not extension:
            return "", {field: missing}
        if not extension.startswith("ext:"):
            extension = f"ext:{extension}"
        if not is_extension_type(extension):
            return "", {
                field: gettext(
                    "An extension is ext: followed by letters, digits, dots, hyphens or underscores, "
                    "such as ext:Bootcamp."
                )
            }
        return extension, {}
    if extension:
        return "", {
            field: gettext("Choose “%(option)s” in the list to use an extension, or clear this field.")
            % {"option": EXTENSION_LABEL}
        }
    return choice, {}


class _QuietMixin:
    """A bound form can be shown "quiet": what was typed, without judging it yet (Preview, Add a row)."""

    def __init__(self, *args: Any, quiet: bool = False, **kwargs: Any) -> None:
        self.quiet = quiet
        super().__init__(*args, **kwargs)

    @property
    def errors(self) -> ErrorDict:
        if self.quiet:
            return ErrorDict()
        return super().errors  # type: ignore[misc]


class AchievementForm(_QuietMixin, forms.Form):
    """Every field of an Achievement. `issuer` scopes the slug check; `achievement` is the one being edited."""

    # request.POST (a QueryDict) or a dict: both copy, and the copy takes a new edit token after a conflict.
    data: QueryDict | dict[str, Any]

    name = forms.CharField(
        label=_("Name"), max_length=200, error_messages={"required": _("Give the achievement a name.")}
    )
    slug = forms.CharField(
        label=_("Slug"),
        max_length=50,
        required=False,
        validators=[slug_validator],
        help_text=_("Used in addresses and on the command line. Leave it empty to derive it from the name."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Describe the achievement: what does it certify?")},
    )
    criteria_narrative = forms.CharField(
        label=pgettext_lazy("criteria", "Narrative"),
        required=False,
        max_length=MAX_INPUT_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What a learner must do to earn it. Markdown: **bold**, *italic*, lists, [links](https://…)."),
    )
    criteria_url = _url_field(
        _("Criteria web page"),
        required=False,
        help_text=_("A page describing the criteria. Give a narrative, a page, or both."),
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text=IMAGE_HELP,
    )
    image_caption = forms.CharField(max_length=200, required=False, label=_("Image caption"))
    achievement_type = forms.ChoiceField(
        label=_("Type"),
        choices=[*((t, t) for t in ACHIEVEMENT_TYPES), (EXTENSION, EXTENSION_LABEL)],
        initial="Badge",
    )
    achievement_type_extension = forms.CharField(
        label=_("Extension type"),
        required=False,
        max_length=60,
        help_text=_("Only with “Other” above, such as ext:Bootcamp."),
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=1000, help_text=_("Separate tags with commas."))
    credits_available = forms.DecimalField(
        label=_("Credits available"),
        required=False,
        min_value=Decimal(0),
        max_digits=8,
        decimal_places=2,
        help_text=_("Credit hours or points a learner earns, such as 3 or 7.5."),
    )
    field_of_study = forms.CharField(max_length=200, required=False, label=_("Field of study"))
    human_code = forms.CharField(
        max_length=60,
        required=False,
        label=pgettext_lazy("achievement code", "Code"),
        help_text=_("A code such as CS-101."),
    )
    specialization = forms.CharField(label=_("Specialization"), max_length=200, required=False)
    in_language = forms.CharField(
        label=_("Language"),
        max_length=35,
        required=False,
        help_text=_("A BCP 47 language tag, such as en, fr-CA or zh-Hant-TW."),
    )
    version = forms.CharField(
        label=_("Version"),
        max_length=20,
        initial="1",
        help_text=_("Counted up automatically whenever a change reaches new credentials."),
        error_messages={"required": _("Give a version, such as 1.")},
    )
    validity_days = forms.IntegerField(
        label=_("Valid for (days)"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_("How long a credential stays valid after it is awarded. Empty: it does not expire."),
    )

    # The saved state the edit form was loaded from, so a save cannot silently overwrite a newer one.
    edit_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, issuer: Issuer, achievement: Achievement | None = None, **kwargs: Any) -> None:
        self.issuer = issuer
        self.achievement = achievement
        if achievement is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(achievement)
        super().__init__(*args, **kwargs)
        if achievement is not None:
            # The version of an existing achievement is never typed: it is counted up on save.
            del self.fields["version"]
        else:
            del self.fields["edit_token"]

    @staticmethod
    def initial_for(achievement: Achievement) -> dict[str, Any]:
        standard = achievement.achievement_type in ACHIEVEMENT_TYPES
        return {
            "name": achievement.name,
            "slug": achievement.slug,
            "description": achievement.description,
            "criteria_narrative": achievement.criteria_narrative,
            "criteria_url": achievement.criteria_url,
            "image": achievement.image or None,
            "image_caption": achievement.image_caption,
            "achievement_type": achievement.achievement_type if standard else EXTENSION,
            "achievement_type_extension": "" if standard else achievement.achievement_type,
            "tags": ", ".join(achievement.tags),
            "credits_available": achievement.credits_available,
            "field_of_study": achievement.field_of_study,
            "human_code": achievement.human_code,
            "specialization": achievement.specialization,
            "in_language": achievement.in_language,
            "validity_days": achievement.validity_days,
            "edit_token": edit_token(achievement),
        }

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].strip()
        if slug:
            taken = Achievement.objects.filter(issuer=self.issuer, slug=slug)
            if self.achievement is not None:
                taken = taken.exclude(pk=self.achievement.pk)
            if taken.exists():
                raise ValidationError(slug_taken_error(slug), code="slug_taken")
        return slug

    def clean_in_language(self) -> str:
        return normalize_language_tag(self.cleaned_data["in_language"])

    def clean_tags(self) -> list[str]:
        tags = parse_tags(self.cleaned_data["tags"])
        too_long = [t for t in tags if len(t) > 100]
        if too_long:
            raise ValidationError(
                gettext("A tag may have at most 100 characters; “%(tag)s…” is longer.") % {"tag": too_long[0][:40]}
            )
        return tags

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        if upload and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                check_image(upload)
            except ImageError as exc:
                raise ValidationError(exc.messages) from exc
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        narrative = (cleaned.get("criteria_narrative") or "").strip()
        if not narrative and not cleaned.get("criteria_url") and "criteria_url" not in self.errors:
            self.add_error("criteria_narrative", gettext("Give the criteria as a narrative, a web page, or both."))
        if "achievement_type" in cleaned:
            resolved, errors = _resolve_extension(
                cleaned["achievement_type"],
                cleaned.get("achievement_type_extension", ""),
                field="achievement_type_extension",
                missing=gettext("Type the extension achievement type, such as ext:Bootcamp."),
            )
            for field, message in errors.items():
                self.add_error(field, message)
            if resolved:
                cleaned["achievement_type"] = resolved
        return cleaned

    def service_data(self) -> dict[str, Any]:
        """The cleaned input as `badges.achievements` takes it."""
        data = {
            k: v for k, v in self.cleaned_data.items() if k not in ("achievement_type_extension", "image", "edit_token")
        }
        image = self.cleaned_data.get("image")
        if image is False:  # "Clear" ticked
            data["image"] = None
        elif image and hasattr(image, "content_type"):
            data["image"] = image
        return data


class AlignmentForm(_QuietMixin, forms.Form):
    target_name = forms.CharField(
        label=_("Name"), max_length=200, error_messages={"required": _("Give the name of what this aligns to.")}
    )
    target_url = _url_field(_("Web address"), required=True)
    target_framework = forms.CharField(label=_("Framework"), max_length=200, required=False)
    target_code = forms.CharField(label=pgettext_lazy("alignment code", "Code"), max_length=100, required=False)
    target_type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("(none)")), *((t, t) for t in ALIGNMENT_TARGET_TYPES), (EXTENSION, EXTENSION_LABEL)],
    )
    target_type_extension = forms.CharField(label=_("Extension type"), max_length=60, required=False)
    target_description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        resolved, errors = _resolve_extension(
            cleaned.get("target_type", ""),
            cleaned.get("target_type_extension", ""),
            field="target_type_extension",
            missing=gettext("Type the extension target type, such as ext:Bootcamp."),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        cleaned["target_type"] = resolved
        return cleaned

    def service_data(self) -> dict[str, str]:
        return {
            k: self.cleaned_data.get(k) or ""
            for k in (
                "target_name",
                "target_url",
                "target_framework",
                "target_code",
                "target_type",
                "target_description",
            )
        }


class ResultDescriptionForm(_QuietMixin, forms.Form):
    result_id = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)
    name = forms.CharField(
        label=_("Name"), max_length=200, error_messages={"required": _("Give the result a name, such as Final exam.")}
    )
    result_type = forms.ChoiceField(label=_("Result type"), choices=[(t, t) for t in RESULT_TYPES], initial="Result")
    allowed_values = forms.CharField(
        label=_("Allowed values"),
        required=False,
        max_length=2000,
        help_text=_("Comma-separated, lowest first, such as D, C, B, A. Empty: any value."),
    )
    required_value = forms.CharField(label=_("Required value"), max_length=100, required=False)
    value_min = forms.CharField(label=_("Minimum"), max_length=100, required=False)
    value_max = forms.CharField(label=_("Maximum"), max_length=100, required=False)
    # Not edited here (it points at a rubric level), but carried through so saving never drops it.
    required_level = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An extension type (ext:…) set through the API stays selectable instead of failing validation.
        current = self.data.get(self.add_prefix("result_type")) if self.is_bound else self.initial.get("result_type")
        if current and current not in RESULT_TYPES and is_extension_type(str(current)):
            field = cast(forms.ChoiceField, self.fields["result_type"])
            field.choices = [*cast(list[tuple[str, str]], field.choices), (current, current)]  # as declared above

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if {"name", "result_type"} <= set(cleaned):
            _, problems = clean_result_description(self.service_data())
            for problem in problems:
                self.add_error(None, problem)
        return cleaned

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        allowed = [v.strip() for v in data.get("allowed_values", "").split(",") if v.strip()]
        item: dict[str, Any] = {"name": data["name"], "resultType": data["result_type"]}
        if data.get("result_id"):
            item["id"] = data["result_id"]
        for field, key in (
            ("required_value", "requiredValue"),
            ("value_min", "valueMin"),
            ("value_max", "valueMax"),
            ("required_level", "requiredLevel"),
        ):
            if data.get(field):
                item[key] = data[field]
        if allowed:
            item["allowedValue"] = allowed
        return item

    @staticmethod
    def initial_for(item: dict[str, Any]) -> dict[str, Any]:
        return {
            "result_id": item.get("id", ""),
            "name": item.get("name", ""),
            "result_type": item.get("resultType", "Result"),
            "allowed_values": ", ".join(str(v) for v in item.get("allowedValue") or []),
            "required_value": item.get("requiredValue", ""),
            "value_min": item.get("valueMin", ""),
            "value_max": item.get("valueMax", ""),
            "required_level": item.get("requiredLevel", ""),
        }


class _RowsFormSet(forms.BaseFormSet):
    """Rows the services take as a list: deleted rows and untouched empty rows are left out.

    `quiet=True` shows the rows as typed without their errors, like `_QuietMixin`.
    """

    # What the box that removes a row says, in the reader's language.
    remove_label: Any = _("Remove this row")
    max_rows = 50

    def __init__(self, *args: Any, quiet: bool = False, **kwargs: Any) -> None:
        self.quiet = quiet
        kwargs["form_kwargs"] = {**(kwargs.get("form_kwargs") or {}), "quiet": quiet}
        super().__init__(*args, **kwargs)

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = self.remove_label

    @property
    def errors(self) -> list[Any]:  # ErrorDicts (Django's stubs say ErrorList)
        if self.quiet:
            return [ErrorDict() for _ in self.forms]
        return super().errors

    def non_form_errors(self) -> ErrorList:
        if self.quiet:
            return self.error_class()
        return super().non_form_errors()

    # _should_delete_form is Django's own test for a row marked DELETE; its stubs leave it out (private).
    def service_data(self) -> list[dict[str, Any]]:
        return [form.service_data() for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]  # type: ignore[attr-defined]


class _AlignmentRows(_RowsFormSet):
    remove_label = _("Remove this alignment")


class _ResultRows(_RowsFormSet):
    remove_label = _("Remove this result")

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        seen: set[str] = set()
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            name = form.cleaned_data["name"].strip().casefold()
            if name in seen:
                form.add_error("name", gettext("Another result already has this name; give each result its own."))
            seen.add(name)


# formset_factory makes a subclass of `formset`; the casts keep its type (and the `quiet` argument) for the checker.
AlignmentFormSet = cast(
    type[_AlignmentRows],
    formset_factory(
        AlignmentForm,
        formset=_AlignmentRows,
        extra=0,
        can_delete=True,
        max_num=_RowsFormSet.max_rows,
        validate_max=True,
    ),
)
ResultDescriptionFormSet = cast(
    type[_ResultRows],
    formset_factory(
        ResultDescriptionForm,
        formset=_ResultRows,
        extra=0,
        can_delete=True,
        max_num=_RowsFormSet.max_rows,
        validate_max=True,
    ),
)
