"""Forms of the issuer's stacking pages: a qualification's settings, the builder's "add" controls, and a
partnership request. The rule itself travels as JSON in a hidden field (stacking.builder)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from badges.models import Achievement
from issuer.models import Issuer
from stacking import builder
from stacking.models import OnComponentLoss, Qualification
from stacking.services import StackingError


class QualificationForm(forms.Form):
    achievement = forms.ModelChoiceField(
        queryset=Achievement.objects.none(),
        label=_("Achievement awarded"),
        empty_label=_("Choose the achievement this rule awards"),
        help_text=_("One of your achievements; a learner who satisfies the rule is awarded it."),
    )
    window_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=36_500,
        label=_("Time window in days"),
        help_text=_("Optional: every component used must have been earned within this many days."),
    )
    require_valid = forms.BooleanField(
        required=False,
        label=_("Count only valid components"),
        help_text=_("Expired and suspended components stop counting (revoked ones never count)."),
    )
    on_component_loss = forms.ChoiceField(
        # The page's own words for the model's choices: the model's labels also describe the API's schema, which
        # stays in English (D51).
        choices=[
            (OnComponentLoss.REVOKE, pgettext_lazy("on component loss", "Revoke the stacked credential")),
            (OnComponentLoss.SUSPEND, pgettext_lazy("on component loss", "Suspend it until the rule holds again")),
        ],
        initial=OnComponentLoss.REVOKE,
        widget=forms.RadioSelect,
        label=_("When a learner loses a component"),
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
            field.help_text = gettext("The achievement of an existing rule cannot change.")
        else:
            field.queryset = Achievement.objects.filter(issuer=issuer, archived=False, qualification__isnull=True)

    def add_service_error(self, exc: StackingError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, exc.message)


class BuilderControlsForm(forms.Form):
    """The "add a group" and "add an achievement" controls under the tree; their choices come from the rule."""

    group_parent = forms.ChoiceField(label=_("Add under"), required=False)
    group_kind = forms.ChoiceField(label=_("Kind of group"), choices=list(builder.KIND_LABELS.items()), required=False)
    achievement_parent = forms.ChoiceField(label=_("Add under"), required=False)
    new_achievement = forms.ChoiceField(label=_("Achievement"), required=False)

    def __init__(self, *args: Any, rule: dict[str, Any], choices: list[tuple[str, Any]], **kwargs: Any):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        parents = [(path, builder.human_path(builder.parse_path(path))) for path in builder.group_paths(rule)]
        cast(forms.ChoiceField, self.fields["group_parent"]).choices = parents
        cast(forms.ChoiceField, self.fields["achievement_parent"]).choices = parents
        cast(forms.ChoiceField, self.fields["new_achievement"]).choices = [
            ("", gettext("Choose an achievement")),
            *choices,
        ]
        self.fields["group_parent"].widget.attrs["aria-label"] = gettext("Add the new group under")
        self.fields["achievement_parent"].widget.attrs["aria-label"] = gettext("Add the achievement under")


class PartnershipRequestForm(forms.Form):
    partner = forms.SlugField(
        label=_("Issuer to ask"),
        help_text=_("The other issuer's short name on this platform, as in its address /issuers/<name>/."),
        max_length=100,
    )

    def __init__(self, *args: Any, issuer: Issuer, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.issuer = issuer

    def clean_partner(self) -> Issuer:
        slug = self.cleaned_data["partner"]
        partner = Issuer.objects.filter(slug=slug).first()
        if partner is None:
            raise forms.ValidationError(gettext("There is no issuer “%(slug)s” on this platform.") % {"slug": slug})
        if partner.pk == self.issuer.pk:
            raise forms.ValidationError(gettext("That is this issuer; its own achievements are always usable."))
        return partner
