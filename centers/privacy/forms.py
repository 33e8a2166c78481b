from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ConsentGiveForm(forms.Form):
    """One purpose at a time; the box is never ticked in advance (PIPL Art. 14 and 29)."""

    agree = forms.BooleanField(
        label=_("I have read the text above and agree to it."),
        required=True,
        initial=False,
        error_messages={"required": _("Tick the box to show that you agree, or leave the page.")},
    )


class ErasureForm(forms.Form):
    """Erasing is final: the person confirms with their password and a tick."""

    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(
        label=_("I understand that my name, phone number and account are erased and cannot be restored."),
        required=True,
        initial=False,
    )

    def __init__(self, *args, user, record_kept: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if record_kept:  # the tick says what really happens: the counseling record stays
            self.fields["confirm"].label = _(
                "I understand that my consents are withdrawn and my account is closed, and that my counseling "
                "record is kept as explained above."
            )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class StaffErasureForm(forms.Form):
    """Staff carry out an erasure asked in person or by phone, for a child or a person without an account."""

    asked_by = forms.CharField(
        label=_("Who asked"),
        max_length=120,
        help_text=_("The person, or the parent or guardian of the child, and how (in person, by phone)."),
        error_messages={"required": _("Say who asked for the erasure: the person, or the parent or guardian.")},
    )
    confirm = forms.BooleanField(
        label=_("I have told the person what is erased and what is kept."),
        required=True,
        initial=False,
        error_messages={"required": _("Tick the box once you have told the person what is erased and what is kept.")},
    )
