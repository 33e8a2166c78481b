from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from centers.audit.models import AuditOutcome


class AuditFilterForm(forms.Form):
    """The auditor's filters; every field optional, bad values explained instead of ignored."""

    action = forms.CharField(label=_("Action"), required=False, max_length=60)
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=150,
        help_text=_("Part of a name, a sign-in name or an email address."),
    )
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", _("Any")), *AuditOutcome.choices])
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=60)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        return cleaned
