from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class HostAddressForm(forms.Form):
    address = forms.CharField(
        label=_("Your backpack's address"),
        max_length=500,
        help_text=_(
            "The address of your Open Badges 3.0 host, such as badges.example.org. We ask it how to connect, you "
            "allow it there, and we send this credential."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "url", "inputmode": "url", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
