"""Forms of the community pages. They validate input; the services write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from centers.community.models import VolunteerTaskKind, WorkshopKind
from centers.models import ServiceNeed, Station, User, mainland_mobile


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _hours_field(label=None, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label or _("Hours"),
        min_value=Decimal("0.5"),
        max_value=Decimal("200"),
        max_digits=5,
        decimal_places=1,
        **kwargs,
    )


class StationChoiceMixin:
    """A station field limited to the stations the user acts at; "the center" only if they act there too."""

    fields: dict[str, Any]  # the form's, this mixin sits beside forms.Form

    def _limit_stations(self, stations, allow_center: bool) -> None:
        field = self.fields["station"]
        field.queryset = stations
        field.required = not allow_center
        field.empty_label = _("At the center") if allow_center else None


class RegisterForm(forms.Form):
    """A resident takes a place for themselves or a child in their care."""

    resident = forms.TypedChoiceField(label=_("Who will come"), coerce=int)
    note = forms.CharField(
        label=_("Note for the organisers"),
        max_length=200,
        required=False,
        help_text=_("Optional, e.g. the child's age."),
    )

    def __init__(self, *args, registrants, **kwargs):
        super().__init__(*args, **kwargs)
        self.registrants = {person.pk: person for person in registrants}
        self.fields["resident"].choices = [(person.pk, person.full_name) for person in registrants]
        if len(registrants) == 1:
            self.fields["resident"].widget = forms.HiddenInput()
            self.fields["resident"].initial = registrants[0].pk

    def clean_resident(self):
        return self.registrants[self.cleaned_data["resident"]]


class WorkshopForm(StationChoiceMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkshopKind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    place = forms.CharField(label=_("Place"), max_length=120, required=False, help_text=_("Room or address."))
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeInput())
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500)

    def __init__(self, *args, stations, allow_center: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_stations(stations, allow_center)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("A workshop must end after it starts."))
        return data


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500)


class AttendanceForm(forms.Form):
    """Tick who came; everyone else with a confirmed place is marked absent."""

    attended = forms.TypedMultipleChoiceField(
        label=_("Attended"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    duties_done = forms.TypedMultipleChoiceField(
        label=_("Volunteers who did their duty"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, registrations, duties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(r.pk, r.resident.full_name) for r in registrations]
        self.fields["duties_done"].choices = [(d.pk, str(d.volunteer)) for d in duties]


class StaffRegisterForm(forms.Form):
    """Staff take a registration for a resident who phoned or walked in, found by their mobile number."""

    phone = forms.CharField(label=_("Resident's mobile number"), max_length=11, validators=[mainland_mobile])


class DutyAssignForm(forms.Form):
    volunteer = forms.ModelChoiceField(label=_("Volunteer"), queryset=User.objects.none())

    def __init__(self, *args, volunteers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers


class VolunteerForm(StationChoiceMixin, forms.Form):
    display_name = forms.CharField(
        label=_("Name shown to residents"), max_length=40, help_text=_("e.g. 吴芳（志愿者）")
    )
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=11, required=False, validators=[mainland_mobile])
    email = forms.EmailField(label=_("Email address"), required=False)
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())

    def __init__(self, *args, stations, allow_center: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_stations(stations, allow_center)

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and not self.errors:
            raise forms.ValidationError(_("Give an email address or a mobile number so the volunteer can sign in."))
        return data


class TrainingRecordForm(forms.Form):
    course = forms.CharField(label=_("Course"), max_length=120)
    hours = _hours_field()
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput())
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=60, required=False)
    certificate_expires_on = forms.DateField(
        label=_("Certificate valid until"),
        widget=DateInput(),
        required=False,
        help_text=_("Leave empty if the course gives no certificate."),
    )


class VolunteerTaskForm(StationChoiceMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[c for c in VolunteerTaskKind.choices if c[0] != VolunteerTaskKind.WORKSHOP_DUTY]
    )
    title = forms.CharField(label=_("Task"), max_length=120)
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    due_at = forms.DateTimeField(label=_("When"), widget=DateTimeInput())
    hours = _hours_field()

    def __init__(self, *args, stations, allow_center: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_stations(stations, allow_center)


class TrainingSessionForm(StationChoiceMixin, forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=120)
    trainer = forms.CharField(label=_("Trainer"), max_length=60)
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    starts_at = forms.DateTimeField(label=_("Date and time"), widget=DateTimeInput())
    hours = _hours_field()
    certificate_months = forms.IntegerField(
        label=_("Certificate valid for (months)"),
        min_value=0,
        max_value=60,
        initial=0,
        help_text=_("0 if attending gives no certificate; otherwise attendees are cleared for volunteer tasks."),
    )

    def __init__(self, *args, stations, allow_center: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_stations(stations, allow_center)


class TrainingAttendanceForm(forms.Form):
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attended"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = candidates


class ServiceGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    need = forms.ChoiceField(label=_("Need"), choices=ServiceNeed.choices)
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    members = forms.ModelMultipleChoiceField(
        label=_("Counselors and volunteers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, stations, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["members"].queryset = candidates


class GroupMembersForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Counselors and volunteers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates
