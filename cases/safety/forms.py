"""Forms of the safety plan and emergency contacts pages; the services do the writing."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.safety.models import SAFETY_PLAN_STEPS, STEP_MAX_LENGTH, ContactBasis

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SafetyPlanForm(forms.Form):
    """The six steps, each in the person's own words; every step may stay empty but not all of them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, title, hint in SAFETY_PLAN_STEPS:
            self.fields[name] = forms.CharField(
                label=title,
                help_text=hint,
                required=False,
                max_length=STEP_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["written_with_person"] = forms.BooleanField(
            label=_("I wrote this plan together with the person, in their words."),
            required=False,
        )

    def steps(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name, _title, _hint in SAFETY_PLAN_STEPS}


class EmergencyContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    relation = forms.CharField(label=_("Relation to the person"), max_length=40, help_text=_("e.g. mother, friend"))
    phone = forms.CharField(label=_("Phone"), max_length=20, help_text=_("A mobile number or a landline."))
    basis = forms.ChoiceField(label=_("Basis for contacting them"), choices=ContactBasis.choices)


class EmergencyContactUseForm(forms.Form):
    contacted_at = forms.DateTimeField(label=_("Contacted at"), widget=DATETIME_INPUT)
    basis = forms.ChoiceField(label=_("Basis"), choices=ContactBasis.choices)
    danger = forms.CharField(
        label=_("The imminent danger (when that is the basis)"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcome = forms.CharField(label=_("Outcome"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("contacted_at", timezone.localtime().replace(second=0, microsecond=0))
