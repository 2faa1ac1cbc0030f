"""Forms of the issuer's stacking pages: a qualification's settings, the builder's "add" controls, and a
partnership request. The rule itself travels as JSON in a hidden field (stacking.builder)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from badges.models import Achievement
from issuer.models import Issuer
from stacking import builder
from stacking.models import OnComponentLoss, Qualification
from stacking.services import StackingError


class QualificationForm(forms.Form):
    achievement = forms.ModelChoiceField(
        queryset=Achievement.objects.none(),
        label="Achievement awarded",
        empty_label="Choose the achievement this rule awards",
        help_text="One of your achievements; a learner who satisfies the rule is awarded it.",
    )
    window_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=36_500,
        label="Time window in days",
        help_text="Optional: every component used must have been earned within this many days.",
    )
    require_valid = forms.BooleanField(
        required=False,
        label="Count only valid components",
        help_text="Expired and suspended components stop counting (revoked ones never count).",
    )
    on_component_loss = forms.ChoiceField(
        choices=OnComponentLoss.choices,
        initial=OnComponentLoss.REVOKE,
        widget=forms.RadioSelect,
        label="When a learner loses a component",
    )

    def __init__(self, *args: Any, issuer: Issuer, qualification: Qualification | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.qualification = qualification
        field = cast(forms.ModelChoiceField, self.fields["achievement"])
        if qualification is not None:
            # The target of an existing rule is fixed: changing it would be another qualification.
            field.queryset = Achievement.objects.filter(pk=qualification.achievement_id)
            field.initial = qualification.achievement_id
            field.disabled = True
            field.help_text = "The achievement of an existing rule cannot change."
        else:
            field.queryset = Achievement.objects.filter(issuer=issuer, archived=False, qualification__isnull=True)

    def add_service_error(self, exc: StackingError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)


class BuilderControlsForm(forms.Form):
    """The "add a group" and "add an achievement" controls under the tree; their choices come from the rule."""

    group_parent = forms.ChoiceField(label="Add under", required=False)
    group_kind = forms.ChoiceField(label="Kind of group", choices=list(builder.KIND_LABELS.items()), required=False)
    achievement_parent = forms.ChoiceField(label="Add under", required=False)
    new_achievement = forms.ChoiceField(label="Achievement", required=False)

    def __init__(self, *args: Any, rule: dict[str, Any], choices: list[tuple[str, Any]], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        parents = [(path, builder.human_path(builder.parse_path(path))) for path in builder.group_paths(rule)]
        cast(forms.ChoiceField, self.fields["group_parent"]).choices = parents
        cast(forms.ChoiceField, self.fields["achievement_parent"]).choices = parents
        cast(forms.ChoiceField, self.fields["new_achievement"]).choices = [("", "Choose an achievement"), *choices]
        self.fields["group_parent"].widget.attrs["aria-label"] = "Add the new group under"
        self.fields["achievement_parent"].widget.attrs["aria-label"] = "Add the achievement under"


class PartnershipRequestForm(forms.Form):
    partner = forms.SlugField(
        label="Issuer to ask",
        help_text="The other issuer's short name on this platform, as in its address /issuers/<name>/.",
        max_length=100,
    )

    def __init__(self, *args: Any, issuer: Issuer, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.issuer = issuer

    def clean_partner(self) -> Issuer:
        slug = self.cleaned_data["partner"]
        partner = Issuer.objects.filter(slug=slug).first()
        if partner is None:
            raise forms.ValidationError(f"There is no issuer “{slug}” on this platform.")
        if partner.pk == self.issuer.pk:
            raise forms.ValidationError("That is this issuer; its own achievements are always usable.")
        return partner
