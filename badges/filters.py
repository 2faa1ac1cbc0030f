"""The filters of the issuer's credential and achievement lists, one definition each (django-filter), shared by
the issuer's pages and the API.

The same parameter means the same thing on both. What differs is only what happens to an invalid value: a page
shows the message next to the form and ignores that filter (the others still apply); the API answers 400 with
the message under the parameter's name (api.filters). Labels and messages follow the reader's language; the
parameters' descriptions document the API and stay English. Parameters only the API used to take are here too, with a
hidden widget: the page's form does not show them (its templates render visible fields only), and they work in
its URLs as well. The OpenAPI schema describes each parameter from the `extend_schema_field` beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.fields import ChoiceField
from drf_spectacular.utils import extend_schema_field

from badges.achievements import achievement_filter_choices
from badges.documents import normalize_email
from badges.models import Achievement, Credential, CredentialSource, CredentialStatus
from badges.selectors import achievement_for_issuer
from issuer.models import Issuer

FilterT = TypeVar("FilterT", bound=django_filters.Filter)


def described(filter_: FilterT, description: str, **schema: Any) -> FilterT:
    """The filter, with its parameter as the OpenAPI schema gives it: a string with this description (and `enum`,
    if any). A page's label is too short to document an API parameter, and a help text would show on the page."""
    # extend_schema_field is typed for callables; on a filter it sets the same annotation.
    extend_schema_field({"type": "string", **schema, "description": description})(cast(Any, filter_))
    return filter_


# ----- fields


class AchievementRefField(forms.ModelChoiceField):
    """One of the issuer's achievements by id (what the page's list sends), UUID or slug (what integrators
    send). `set_issuer` before use: it also sets the queryset, the page's options."""

    issuer: Issuer | None = None

    def set_issuer(self, issuer: Issuer) -> None:
        self.issuer = issuer
        self.queryset = Achievement.objects.filter(issuer=issuer)

    def to_python(self, value: Any) -> Achievement | None:
        ref = "" if value in self.empty_values else str(value).strip()
        if not ref:  # blank, as every text parameter: no filter
            return None
        # No database stores a NUL character; PostgreSQL refuses a query that carries one.
        found = None if self.issuer is None or "\x00" in ref else achievement_for_issuer(issuer=self.issuer, ref=ref)
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ref})
        return found


class IssuedSinceField(forms.DateField):
    """A date (from midnight UTC, the site's time zone) or an ISO 8601 date-time (without an offset: UTC), as a
    moment: issued at or after it."""

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        moment = None
        if isinstance(value, str):
            try:
                moment = parse_datetime(value.strip())
            except ValueError:  # well formed, but no such moment (month 13)
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if moment is None:
            day = super().to_python(value)
            if day is None:
                return None
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        try:
            # In UTC, as the database compares it: an offset at the ends of the calendar has no UTC moment.
            return moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class TagField(ChoiceField):
    """One of the issuer's tags, in any case; cleaned to the issuer's own spelling of it."""

    def to_python(self, value: Any) -> str:
        text: str = super().to_python(value)
        choices = cast(Iterable[tuple[Any, Any]], self.choices)
        spellings = {str(choice).casefold(): str(choice) for choice, _ in choices if choice}
        return spellings.get(text.casefold(), text) if text else text


# ----- filters


class AchievementRefFilter(django_filters.Filter):
    field_class = AchievementRefField


class IssuedSinceFilter(django_filters.Filter):
    field_class = IssuedSinceField


class TagFilter(django_filters.ChoiceFilter):
    field_class = TagField


STATE_CHOICES = [
    ("active", pgettext_lazy("credential state", "Active")),
    ("suspended", pgettext_lazy("credential state", "Suspended")),
    ("revoked", pgettext_lazy("credential state", "Revoked")),
    ("expired", pgettext_lazy("credential state", "Expired")),
]


class CredentialFilter(django_filters.FilterSet):
    """The issuer's awards (the page `/manage/<issuer>/awards/`, `GET /api/v1/issuers/<slug>/credentials`).

    `status`: expired is computed (an active credential whose validUntil has passed), never stored; a revoked or
    suspended credential counts as revoked or suspended whatever its dates; active is the rest of the active
    ones, those not yet valid included. Built with the issuer (its achievements are the choices) and optionally
    the moment `now` that expiry is judged at (the page shows each row's state at the same moment)."""

    q = described(
        django_filters.CharFilter(
            label=pgettext_lazy("search field", "Search"),
            method="filter_q",
            max_length=200,
            widget=forms.TextInput(attrs={"type": "search"}),
            help_text=_("Recipient e-mail or name."),
        ),
        "In the recipient's e-mail address or name (any case).",
    )
    status = described(
        django_filters.ChoiceFilter(
            label=_("Status"), method="filter_status", choices=STATE_CHOICES, empty_label=_("Any status")
        ),
        "active (and not expired), suspended, revoked, or expired (active, but validUntil has passed).",
        enum=[value for value, _label in STATE_CHOICES],
    )
    achievement = described(
        AchievementRefFilter(
            label=_("Achievement"),
            queryset=Achievement.objects.none(),
            empty_label=_("All achievements"),
            error_messages={"invalid_choice": _("That achievement is not one of this issuer's.")},
        ),
        "Id, UUID or slug of the issuer's achievement.",
    )
    source = described(
        django_filters.ChoiceFilter(label=_("Source"), choices=CredentialSource.choices, empty_label=_("Any source")),
        "How it was awarded.",
        enum=list(CredentialSource.values),
    )
    since = described(
        IssuedSinceFilter(
            label=_("Issued since"),
            method="filter_issued_since",
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages={"invalid": _("Enter a date, like 2030-01-31.")},
        ),
        "Issued on or after this date (UTC), or at or after this ISO 8601 date-time: the same as issued_since.",
    )
    # The API's own names. Hidden: the page's form offers the search (q) and `since` instead.
    email = described(
        django_filters.CharFilter(label=_("E-mail"), method="filter_email", widget=forms.HiddenInput),
        "The recipient's e-mail address (any case).",
    )
    issued_since = described(
        IssuedSinceFilter(
            label=_("Issued since"),
            method="filter_issued_since",
            widget=forms.HiddenInput,
            error_messages={"invalid": _("An ISO 8601 date-time, such as 2026-06-01T00:00:00Z.")},
        ),
        "Issued at or after this ISO 8601 date-time (or date, from midnight UTC).",
    )

    class Meta:
        model = Credential
        fields: list[str] = []

    def __init__(
        self,
        data: QueryDict | dict[str, Any] | None = None,
        queryset: QuerySet[Credential] | None = None,
        *,
        issuer: Issuer,
        now: datetime | None = None,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.now = now or timezone.now()
        field = self.filters["achievement"].field
        assert isinstance(field, AchievementRefField)
        field.set_issuer(issuer)

    def filter_q(self, queryset: QuerySet[Credential], name: str, value: str) -> QuerySet[Credential]:
        return queryset.filter(Q(recipient_email__icontains=value) | Q(recipient_name__icontains=value))

    def filter_status(self, queryset: QuerySet[Credential], name: str, value: str) -> QuerySet[Credential]:
        expired = Q(status=CredentialStatus.ACTIVE, valid_until__lt=self.now)
        if value == "active":
            return queryset.filter(status=CredentialStatus.ACTIVE).exclude(expired)
        if value == "expired":
            return queryset.filter(expired)
        return queryset.filter(status=value)

    def filter_email(self, queryset: QuerySet[Credential], name: str, value: str) -> QuerySet[Credential]:
        return queryset.filter(recipient_email=normalize_email(value))

    def filter_issued_since(self, queryset: QuerySet[Credential], name: str, value: datetime) -> QuerySet[Credential]:
        return queryset.filter(created_at__gte=value)


ARCHIVED_CHOICES = [("no", _("Hide archived")), ("yes", _("Archived only")), ("any", _("Show all"))]


class AchievementFilter(django_filters.FilterSet):
    """The issuer's achievements (the page `/manage/<issuer>/achievements/`,
    `GET /api/v1/issuers/<slug>/achievements`), each with `credential_count`, by name.

    Always applied, even without parameters: archived achievements are hidden unless `archived` says otherwise.
    `type` and `tag` offer what the issuer's achievements use; a tag matches in any case. Tags live in a JSON list,
    which SQLite cannot query portably, so they are matched here; an issuer has hundreds of achievements at most."""

    q = described(
        django_filters.CharFilter(
            label=pgettext_lazy("search field", "Search"), method="filter_q", max_length=200, widget=forms.SearchInput
        ),
        "In the name, description, human code or a tag (any case).",
    )
    type = described(
        django_filters.ChoiceFilter(label=_("Type"), field_name="achievement_type", empty_label=_("Any type")),
        "One of the types the issuer's achievements have (Badge, Course, ext:...).",
    )
    tag = described(
        TagFilter(label=_("Tag"), method="filter_tag", empty_label=_("Any tag")),
        "One of the tags the issuer's achievements have (any case).",
    )
    archived = described(
        django_filters.ChoiceFilter(
            label=_("Archived"), method="filter_archived", choices=ARCHIVED_CHOICES, empty_label=None
        ),
        "no (the default): archived ones hidden; yes: only those; any: all.",
        enum=[value for value, _label in ARCHIVED_CHOICES],
    )
    # The API's own name for `type`. Hidden: the page's form offers `type`.
    achievement_type = described(
        django_filters.ChoiceFilter(
            label=_("Type"), field_name="achievement_type", empty_label=_("Any type"), widget=forms.HiddenInput
        ),
        "The same as type: one of the types the issuer's achievements have.",
    )

    class Meta:
        model = Achievement
        fields: list[str] = []

    def __init__(
        self,
        data: QueryDict | dict[str, Any] | None = None,
        queryset: QuerySet[Achievement] | None = None,
        *,
        issuer: Issuer,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # Always bound: with no parameters at all, archived achievements are still hidden.
        super().__init__(QueryDict() if data is None else data, queryset, request=request, prefix=prefix)
        choices = achievement_filter_choices(issuer=issuer)
        for name, values in (
            ("type", choices["types"]),
            ("achievement_type", choices["types"]),
            ("tag", choices["tags"]),
        ):
            cast(ChoiceField, self.filters[name].field).choices = [(value, value) for value in values]

    def filter_queryset(self, queryset: QuerySet[Achievement]) -> QuerySet[Achievement]:
        # `archived` absent, empty or invalid (a page ignores it) is "no"; the API refused an invalid one already.
        if not self.form.cleaned_data.get("archived"):
            queryset = self.filter_archived(queryset, "archived", "no")
        queryset = super().filter_queryset(queryset)
        return queryset.annotate(credential_count=Count("credentials")).order_by("name", "pk")

    def filter_q(self, queryset: QuerySet[Achievement], name: str, value: str) -> QuerySet[Achievement]:
        needle = value.casefold()
        tagged = [pk for pk, tags in queryset.values_list("pk", "tags") if any(needle in t.casefold() for t in tags)]
        return queryset.filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(human_code__icontains=value)
            | Q(pk__in=tagged)
        )

    def filter_tag(self, queryset: QuerySet[Achievement], name: str, value: str) -> QuerySet[Achievement]:
        wanted = value.casefold()
        ids = [pk for pk, tags in queryset.values_list("pk", "tags") if any(t.casefold() == wanted for t in tags)]
        return queryset.filter(pk__in=ids)

    def filter_archived(self, queryset: QuerySet[Achievement], name: str, value: str) -> QuerySet[Achievement]:
        if value == "no":
            return queryset.filter(archived=False)
        if value == "yes":
            return queryset.filter(archived=True)
        return queryset
