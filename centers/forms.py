from __future__ import annotations

from allauth.account.forms import SignupForm
from allauth.account.utils import filter_users_by_email
from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from centers.models import Station
from centers.services import resident_register_self


class ResidentSignupForm(SignupForm):
    """Residents sign up with an email or a mainland mobile number, a name and their community."""

    full_name = forms.CharField(label=_("Your name"), max_length=60)
    station = forms.ModelChoiceField(
        label=_("Your community station"),
        queryset=Station.objects.filter(is_active=True).select_related("center"),
        empty_label=_("Choose your community"),
    )

    field_order = ["full_name", "station", "email", "phone", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stations = self.fields["station"]
        assert isinstance(stations, forms.ModelChoiceField)
        if Station.objects.filter(is_active=True).values("center").distinct().count() > 1:
            # More than one center on this portal: each station says whose it is.
            stations.label_from_instance = lambda station: f"{station.name}（{station.center.name}）"
        if "email" in self.fields:
            self.fields["email"].help_text = _("An email address or a mobile number is needed; either will do.")
        self.fields["full_name"].strip = True

    def clean_full_name(self) -> str:
        name = self.cleaned_data["full_name"].strip()
        if not name:
            raise forms.ValidationError(_("Please enter your name."))
        return name

    def validate_unique_email(self, value: str) -> str:
        # allauth hides a registered address only under mandatory email verification; ours is optional
        # after sign-up, so say nothing here either: the owner gets an email, the page is the same.
        if filter_users_by_email(value):
            self.account_already_exists = True
            return value
        return super().validate_unique_email(value)

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("email")
            and not cleaned.get("phone")
            and not self.errors.get("email")
            and not self.errors.get("phone")
        ):
            raise forms.ValidationError(_("Enter an email address or a mobile number to sign in with."))
        return cleaned

    def save(self, request):
        with transaction.atomic():
            return super().save(request)

    def custom_signup(self, request, user) -> None:
        resident_register_self(
            user=user, full_name=self.cleaned_data["full_name"], station=self.cleaned_data["station"]
        )
