"""Forms of the booking pages. They validate input; the services decide and write."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.models import Channel, ExceptionKind, Place, Service, Weekday
from centers.models import Center, Resident, Room, ShiftKind, Station, User

STAFF_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.WALK_IN, Channel.HOTLINE)]
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates render fields without inline styling."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.RadioSelect, forms.CheckboxInput)):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def place_choices(centers) -> list[tuple[str, str]]:
    choices = []
    for center in centers:
        choices.append((f"c{center.pk}", str(center)))
        for station in center.stations.all():
            if station.is_active:
                choices.append((f"s{station.pk}", str(station)))
    return choices


def resolve_place(value: str, centers) -> tuple[Center | None, Station | None]:
    """'c<id>' is a center, 's<id>' one of its stations; anything else (or a tampered id) is None, None."""
    if not value or value[0] not in "cs" or not value[1:].isdigit():
        return None, None
    pk = int(value[1:])
    for center in centers:
        if value[0] == "c" and center.pk == pk:
            return center, None
        for station in center.stations.all():
            if value[0] == "s" and station.pk == pk and station.is_active:
                return center, station
    return None, None


class SlotSearchForm(StyledForm):
    """Choose the service, the place and a day; the page then lists the free times."""

    service = forms.ChoiceField(label=_("Service"), choices=Service.choices, initial=Service.FACE_TO_FACE)
    where = forms.ChoiceField(
        label=_("Where"),
        help_text=_("For a phone consultation choose your center; for a home visit, your community station."),
    )
    day = forms.DateField(label=_("Day"), widget=DATE_INPUT, required=False)

    def __init__(self, *args, centers, **kwargs):
        super().__init__(*args, **kwargs)
        self.centers = list(centers)
        cast(forms.ChoiceField, self.fields["where"]).choices = place_choices(self.centers)

    def clean(self):
        data = super().clean()
        center, station = resolve_place(data.get("where", ""), self.centers)
        if data.get("where") and center is None:
            self.add_error("where", _("Choose a place from the list."))
        if data.get("service") == Service.PHONE:
            station = None
        data["center"], data["station"] = center, station
        day = data.get("day")
        if day and day < timezone.localdate():
            self.add_error("day", _("Choose today or a later day."))
        return data


class ForWhomMixin:
    """The "for whom" choice of a resident's form: themselves or a child in their care."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def _set_for_whom(self, people: list[Resident]) -> None:
        self.people = {person.pk: person for person in people}
        # A CharField with a select: a tampered id reaches clean_for_whom and gets the clear message.
        self.fields["for_whom"].widget.choices = [(str(p.pk), p.full_name) for p in people]

    def clean_for_whom(self):
        try:
            return self.people[int(self.cleaned_data["for_whom"])]
        except (KeyError, ValueError, TypeError) as exc:
            raise forms.ValidationError(_("You can only book for yourself or for a child in your care.")) from exc


class BookForm(ForWhomMixin, StyledForm):
    """Confirm a booking: for whom, an optional reason, the address for a home visit."""

    for_whom = forms.CharField(label=_("For whom"), widget=forms.Select)
    reason = forms.CharField(
        label=_("What would you like to talk about? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only your counselor sees this."),
    )
    visit_address = forms.CharField(label=_("Address for the home visit"), required=False, max_length=200)

    def __init__(self, *args, people: list[Resident], needs_address: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_for_whom(people)
        self.needs_address = needs_address
        if not needs_address:
            del self.fields["visit_address"]

    def clean(self):
        data = super().clean()
        if self.needs_address and not (data.get("visit_address") or "").strip():
            self.add_error("visit_address", _("Give the address for the home visit."))
        return data


class SlotPickForm(forms.Form):
    slot = forms.IntegerField(label=_("Time"), min_value=1)


class FeedbackForm(StyledForm):
    rating = forms.TypedChoiceField(
        label=_("How helpful was the session?"),
        choices=[(i, str(i)) for i in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1 = not helpful, 5 = very helpful"),
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WaitlistForm(ForWhomMixin, StyledForm):
    for_whom = forms.CharField(label=_("For whom"), widget=forms.Select)
    service = forms.ChoiceField(label=_("Service"), choices=Service.choices)
    where = forms.ChoiceField(label=_("Where"))
    first_day = forms.DateField(label=_("From"), widget=DATE_INPUT)
    last_day = forms.DateField(label=_("Until"), widget=DATE_INPUT)

    def __init__(self, *args, people: list[Resident], centers, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_for_whom(people)
        self.centers = list(centers)
        cast(forms.ChoiceField, self.fields["where"]).choices = place_choices(self.centers)

    def clean(self):
        data = super().clean()
        center, station = resolve_place(data.get("where", ""), self.centers)
        if data.get("where") and center is None:
            self.add_error("where", _("Choose a place from the list."))
        if data.get("service") == Service.PHONE:
            station = None
        data["center"], data["station"] = center, station
        first, last = data.get("first_day"), data.get("last_day")
        if first and first < timezone.localdate():
            self.add_error("first_day", _("Choose today or a later day."))
        if first and last and last < first:
            self.add_error("last_day", _("The last day must not be before the first day."))
        return data


class StaffBookForm(StyledForm):
    """Staff book for a registered person, or for someone new without an account."""

    resident = forms.ModelChoiceField(label=_("Person"), queryset=Resident.objects.none(), required=False)
    new_name = forms.CharField(label=_("Or a new person: name"), required=False, max_length=60)
    new_phone = forms.CharField(label=_("New person: mobile number"), required=False, max_length=11)
    create_anyway = forms.BooleanField(
        label=_("Someone else: create a new record"),
        required=False,
        help_text=_("Only when the portal says the new person looks like someone registered and it is not them."),
    )
    channel = forms.ChoiceField(label=_("Booked through"), choices=STAFF_CHANNELS)
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    visit_address = forms.CharField(label=_("Address for the home visit"), required=False, max_length=200)

    def __init__(self, *args, residents, shown, needs_address: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Any resident of the center validates; the list shows only the search matches, phones masked.
        cast(forms.ModelChoiceField, self.fields["resident"]).queryset = residents
        self.fields["resident"].widget.choices = [("", "---------")] + [
            (person.pk, f"{person.full_name} {person.masked_phone}".strip()) for person in shown
        ]
        self.needs_address = needs_address
        if not needs_address:
            del self.fields["visit_address"]

    def clean(self):
        data = super().clean()
        if not data.get("resident") and not (data.get("new_name") or "").strip():
            self.add_error("resident", _("Choose a person or give the name of a new one."))
        if data.get("resident") and (data.get("new_name") or "").strip():
            self.add_error("new_name", _("Either choose a person or give a new name, not both."))
        if self.needs_address and not (data.get("visit_address") or "").strip():
            self.add_error("visit_address", _("Give the address for the home visit."))
        return data


class AvailabilityForm(StyledForm):
    counselor = forms.ModelChoiceField(label=_("Counselor"), queryset=User.objects.none())
    place = forms.ChoiceField(label=_("Place"), choices=Place.choices)
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        help_text=_("Required at a station; for home visits, the community served."),
    )
    room = forms.ModelChoiceField(label=_("Room (optional)"), queryset=Room.objects.none(), required=False)
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=Weekday.choices, coerce=int)
    start_time = forms.TimeField(label=_("From"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Until"), widget=TIME_INPUT)
    gap_minutes = forms.IntegerField(label=_("Break between sessions (minutes)"), min_value=0, max_value=60, initial=10)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_INPUT, initial=timezone.localdate)
    valid_until = forms.DateField(label=_("Valid until (optional)"), widget=DATE_INPUT, required=False)

    def __init__(self, *args, center: Center, counselors, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["counselor"]).queryset = counselors
        cast(forms.ModelChoiceField, self.fields["station"]).queryset = center.stations.filter(is_active=True)
        cast(forms.ModelChoiceField, self.fields["room"]).queryset = Room.objects.filter(
            center=center, is_active=True
        ).select_related("station")


class ExceptionForm(StyledForm):
    counselor = forms.ModelChoiceField(
        label=_("Counselor"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Leave empty for a holiday of the whole center (supervisor only)."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ExceptionKind.choices)
    starts_on = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE_INPUT)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=100)

    def __init__(self, *args, counselors, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["counselor"]).queryset = counselors


class DutyShiftForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ShiftKind.choices)
    user = forms.ModelChoiceField(label=_("On duty"), queryset=User.objects.none())
    station = forms.ModelChoiceField(
        label=_("Station"),
        queryset=Station.objects.none(),
        required=False,
        help_text=_("Empty for duty at the center or online."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME_INPUT)
    is_crisis_team = forms.BooleanField(label=_("Crisis team"), required=False)

    def __init__(self, *args, center: Center, staff, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = staff
        cast(forms.ModelChoiceField, self.fields["station"]).queryset = center.stations.filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("A shift must end after it starts."))
        return data


def parse_day(value: str | None, default: dt.date | None = None) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else (default or timezone.localdate())
    except ValueError:
        return default or timezone.localdate()


class SessionCompleteForm(StyledForm):
    """What the counselor writes when a session ends: a few lines, kept encrypted."""

    note = forms.CharField(
        label=_("Session note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "A few lines: what was talked about and what comes next. Only the counselor and the supervisors read it."
        ),
        error_messages={"required": _("Please write a short note about the session before completing it.")},
    )
