"""The three small forms of a first WeChat sign-in: the mobile number, the code sent to it, and (for a person
new to the portal) their name and community station."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from centers.models import Station, mainland_mobile


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        min_length=11,
        validators=[mainland_mobile],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "placeholder": "13812341234"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class NewResidentForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=60)
    station = forms.ModelChoiceField(
        label=_("Your community station"),
        queryset=Station.objects.filter(is_active=True).select_related("center"),
        empty_label=_("Choose your community"),
    )
