from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from centers.models import Role, Station, mainland_mobile


class StaffAccountForm(forms.Form):
    """A supervisor creates a staff account with its first role."""

    email = forms.EmailField(label=_("Email address"))
    display_name = forms.CharField(label=_("Name shown to residents"), max_length=40, help_text=_("e.g. 王老师"))
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=11, required=False, validators=[mainland_mobile])
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.none(), required=False, empty_label=_("Whole center")
    )

    def __init__(self, *args, center, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.filter(center=center, is_active=True)
