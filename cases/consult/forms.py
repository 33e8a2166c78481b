"""Forms of the online conversations: text only, with the length limit the service enforces too."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cases.consult.models import HANDOVER_NOTE_MAX_LENGTH, MESSAGE_MAX_LENGTH
from cases.models import Tier

_TEXT_ERRORS = {
    "required": _("Write a message first."),
    "max_length": _("A message can be at most %(limit_value)d characters long; please split it."),
}


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        strip=True,
        error_messages=_TEXT_ERRORS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX_LENGTH, "autocomplete": "off"}),
        # Formatted lazily: a `%` here would fix the text in whatever language imported the module.
        help_text=format_lazy(
            _("Text only, at most {limit} characters. Pictures and files cannot be sent."), limit=MESSAGE_MAX_LENGTH
        ),
    )


class StartForm(MessageForm):
    """The first message; a guardian chooses for whom they write."""

    person = forms.TypedChoiceField(label=_("Who is this about?"), coerce=int)

    def __init__(self, *args, subjects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, p.full_name) for p in subjects]
        self.fields["person"].initial = subjects[0].pk if subjects else None
        if len(subjects) <= 1:
            self.fields["person"].widget = forms.HiddenInput()
        self.order_fields(["person", "text"])


class ReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Answer"),
        max_length=MESSAGE_MAX_LENGTH,
        error_messages=_TEXT_ERRORS,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX_LENGTH, "autocomplete": "off"}),
    )


class HandoverForm(forms.Form):
    note = forms.CharField(
        label=_("Hand-over note for the next counselor"),
        max_length=HANDOVER_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": HANDOVER_NOTE_MAX_LENGTH}),
        error_messages={"required": _("Write a short hand-over note.")},
    )
    now = forms.BooleanField(label=_("Hand over now"), required=False)


class OpenCaseForm(forms.Form):
    tier = forms.TypedChoiceField(label=_("Tier (your judgement)"), choices=Tier.choices, coerce=int)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class BlockForm(forms.Form):
    reason = forms.CharField(label=_("Why block it"), max_length=300)


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the text above and agree."),
        error_messages={"required": _("Tick the box to give your consent.")},
    )
