"""Forms bind and validate input; services do the writing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cases.instruments import Instrument
from cases.models import Channel, CrisisPhase, ReferralStatus, SpecialTag, Stage, Tier
from cases.referrals.models import ReferralBasis
from cases.services.callbacks import phone_normalise
from centers.models import Center, PartnerInstitution, ServiceGroup, Station, User, mainland_mobile


class CasePageForm(forms.Form):
    """A form of the case page, which holds many: field ids carry the form's name so no two are alike
    (two `id_reason` fields would send a label, and a screen reader, to the wrong one)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class EmptyForm(forms.Form):
    """For actions that are a single button."""


class ScreeningForm(forms.Form):
    """One radio group per item of an instrument, built from the definition in code."""

    def __init__(self, *args, instrument: Instrument, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        choices = [(o.value, str(o.label)) for o in instrument.options]
        for number, item in enumerate(instrument.items, start=1):
            self.fields[item.key] = forms.TypedChoiceField(
                label=f"{number}. {item.text}",
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                required=not item.conditional,
                error_messages={
                    "required": _("Please answer this question."),
                    "invalid_choice": _("Choose one of the answers given."),
                },
            )


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the text above and agree."),
        error_messages={"required": _("Tick the box to give your consent.")},
    )


class HelpNowForm(forms.Form):
    """A signed-in resident's "help now": a number to call back, mobile or landline (as for a visitor)."""

    phone = forms.CharField(
        label=_("Number to call you back on"),
        max_length=20,
        help_text=_("A mobile number or a landline with its area code, e.g. 13812341234 or 028-88880000."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data["phone"])
        except ValidationError as exc:  # the service names the field; here it is this field's own error
            raise ValidationError(exc.messages) from exc


class VisitorCallbackForm(forms.Form):
    """A visitor without an account: a number to call back (mobile or landline) and, if they like, a name.

    The number is checked by the service (one rule for the page and any other caller); the center is asked
    for only where the portal serves more than one."""

    phone = forms.CharField(
        label=_("Number to call you back on"),
        max_length=20,
        help_text=_("A mobile number or a landline with its area code, e.g. 13812341234 or 028-88880000."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    name = forms.CharField(
        label=_("Your name or how we should address you (optional)"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    center = forms.ModelChoiceField(label=_("Center near you"), queryset=Center.objects.none(), empty_label=None)

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["center"].queryset = centers
        if len(centers) == 1:
            self.fields["center"].widget = forms.HiddenInput()
            self.fields["center"].initial = centers[0].pk


class IntakeForm(forms.Form):
    """Staff open (or add to) a case for a person who called, walked in, or was reported or referred."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=11,
        required=False,
        validators=[mainland_mobile],
        help_text=_("A person already registered with this number is found by it."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    full_name = forms.CharField(label=_("Name (for a person not yet registered)"), max_length=60, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    create_anyway = forms.BooleanField(
        label=_("Someone else: create a new record"),
        required=False,
        help_text=_("Only when the portal says the new person looks like someone registered and it is not them."),
    )
    same_person = forms.BooleanField(
        label=_("It is the same person (checked with them)"),
        required=False,
        help_text=_("Only when the portal says the number is registered under another name."),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    source = forms.CharField(label=_("Source (who reported or referred)"), max_length=120, required=False)
    summary = forms.CharField(label=_("Presenting concern"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    consent = forms.BooleanField(
        label=_("The person (or, under 14, the guardian) consents to a case record."), required=False
    )

    def __init__(self, *args, stations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not (data.get("full_name") or "").strip():
            raise forms.ValidationError(
                _("Give the person's mobile number, or the name of a person not yet registered.")
            )
        return data


class TierForm(CasePageForm):
    id_prefix = "tier"
    tier = forms.TypedChoiceField(label=_("Tier"), choices=Tier.choices, coerce=int)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmTierForm(CasePageForm):
    id_prefix = "confirm"
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Confirm the lower tier")), ("0", _("Keep it high-risk"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class StageForm(CasePageForm):
    id_prefix = "stage"
    stage = forms.ChoiceField(label=_("Move to"), choices=[c for c in Stage.choices if c[0] != Stage.CLOSED])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class PhaseForm(CasePageForm):
    id_prefix = "phase"
    phase = forms.ChoiceField(label=_("Crisis phase"), choices=CrisisPhase.choices)


class TagsForm(CasePageForm):
    id_prefix = "tags"
    tags = forms.MultipleChoiceField(
        label=_("Special populations"), choices=SpecialTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class AssignForm(CasePageForm):
    id_prefix = "assign"
    counselor = forms.ModelChoiceField(label=_("Counselor"), queryset=User.objects.none())

    def __init__(self, *args, counselors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counselor"].queryset = counselors


class GroupForm(CasePageForm):
    id_prefix = "group"
    group = forms.ModelChoiceField(label=_("Service group"), queryset=ServiceGroup.objects.none(), required=False)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups


class ContactForm(CasePageForm):
    id_prefix = "contact"
    reason = forms.CharField(label=_("How and what was agreed"), required=False, max_length=500)


class ReasonForm(CasePageForm):
    id_prefix = "alert"
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(CasePageForm):
    id_prefix = "note"
    body = forms.CharField(label=_("Session note"), widget=forms.Textarea(attrs={"rows": 5}))


class ReferralForm(CasePageForm):
    id_prefix = "referral"
    partner = forms.ModelChoiceField(label=_("Partner institution"), queryset=PartnerInstitution.objects.none())
    basis = forms.ChoiceField(label=_("Legal basis"), choices=ReferralBasis.choices, widget=forms.RadioSelect)
    emergency_reason = forms.CharField(label=_("Emergency: what danger"), required=False, max_length=300)
    reason = forms.CharField(label=_("What the partner is asked to do"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


class ReferralUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    feedback = forms.CharField(label=_("Partner feedback"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PartnerFeedbackForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Your answer"),
        choices=[c for c in ReferralStatus.choices if c[0] != ReferralStatus.SENT],
        widget=forms.RadioSelect,
    )
    feedback = forms.CharField(label=_("Feedback for the center"), widget=forms.Textarea(attrs={"rows": 4}))


class FollowUpDoneForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("Did you reach the person?"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    outcome = forms.CharField(label=_("What happened (no clinical detail)"), required=False, max_length=300)


class FollowUpAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Give to"), queryset=User.objects.none())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(pk__in=[p.pk for p in people])


class ConsultationForm(CasePageForm):
    id_prefix = "consult"
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=User.objects.none())
    question = forms.CharField(label=_("Question for the expert"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts


class AdviceForm(forms.Form):
    advice = forms.CharField(label=_("Advice"), widget=forms.Textarea(attrs={"rows": 5}))


class ReassessmentForm(CasePageForm):
    id_prefix = "reassess"
    judged_tier = forms.TypedChoiceField(label=_("Risk now"), choices=Tier.choices, coerce=int)
    functioning_improved = forms.BooleanField(label=_("Daily functioning improved"), required=False)
    supports_in_place = forms.BooleanField(label=_("Support network in place"), required=False)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(CasePageForm):
    id_prefix = "close"
    summary = forms.CharField(label=_("Closing summary"), widget=forms.Textarea(attrs={"rows": 4}))
