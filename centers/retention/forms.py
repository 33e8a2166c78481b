"""The supervisor's form to place a legal hold: which center, what is held (a record of a type, or a person),
its number, and why."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

PERSON = "person"


class HoldForm(forms.Form):
    center = forms.TypedChoiceField(label=_("Center"), coerce=int)
    record_type = forms.ChoiceField(label=_("What is held"))
    number = forms.CharField(
        label=_("Number"),
        max_length=20,
        help_text=_("The case reference (C000123), or the number of the conversation, appointment or person."),
    )
    reason = forms.CharField(
        label=_("Reason for the hold"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the court, the complaint or the investigation that needs the record."),
    )

    def __init__(self, *args, centers, record_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].choices = [(center.pk, center.name) for center in centers]
        self.fields["record_type"].choices = [(kind.code, kind.label) for kind in record_types] + [
            (PERSON, _("Everything of one person"))
        ]

    def clean_number(self) -> int:
        match = re.fullmatch(r"[Cc]?0*(\d{1,12})", self.cleaned_data["number"].strip())
        if not match or int(match.group(1)) == 0:
            raise forms.ValidationError(_("Enter a number such as 123 or a case reference such as C000123."))
        return int(match.group(1))
