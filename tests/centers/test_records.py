"""One record per person: staff are offered the record a new one would duplicate, a verified sign-up
joins the record staff made, and a supervisor merges two records of one person."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment, Channel
from appointments.services.booking import appointment_book_by_staff
from cases.models import Case
from centers.audit.models import AuditEvent
from centers.models import Resident, Role
from centers.privacy.models import ConsentPurpose, ConsentRecord
from centers.privacy.services import consent_give
from centers.records.services import resident_merge
from centers.services import resident_create_by_staff
from tests.appointments.factories import AppointmentFactory, SlotFactory, at
from tests.cases.factories import CaseFactory
from tests.centers.test_signup import reach_my_page, sign_up, sms_outbox  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_counselor(make_staff, other_station):
    return make_staff(Role.COUNSELOR, station=other_station, display_name="李老师")


@pytest.fixture
def second_supervisor(make_staff):
    return make_staff(Role.SUPERVISOR, display_name="赵督导")


def test_staff_creating_someone_with_a_known_number_are_offered_that_record(counselor, second_counselor, station):
    first = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", phone="13511112222", station=station
    )
    with pytest.raises(ValidationError) as refused:
        resident_create_by_staff(actor=second_counselor, center=station.center, full_name="吴秀兰", phone="13511112222")
    message = refused.value.message_dict["full_name"][0]
    assert "吴秀兰" in message and "135****2222" in message and station.name in message
    assert Resident.objects.filter(full_name="吴秀兰").count() == 1

    other = resident_create_by_staff(
        actor=second_counselor,
        center=station.center,
        full_name="吴秀兰",
        phone="13511112222",
        create_anyway=True,
    )
    assert other.pk != first.pk


def test_same_name_birth_year_and_station_is_a_lookalike_another_station_is_not(counselor, station, other_station):
    resident_create_by_staff(
        actor=counselor, center=station.center, full_name="郑海", station=station, birth_date=dt.date(1960, 3, 1)
    )
    with pytest.raises(ValidationError):
        resident_create_by_staff(
            actor=counselor, center=station.center, full_name="郑海", station=station, birth_date=dt.date(1960, 9, 9)
        )
    elsewhere = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="郑海", station=other_station, birth_date=dt.date(1960, 9, 9)
    )
    assert elsewhere.station == other_station


def test_the_walk_in_booking_page_offers_the_known_person_and_books_anyway_when_told(
    client_for, station, counselor, supervisor
):
    resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", phone="13511112222", station=station
    )
    slot = SlotFactory(center=station.center, station=station, counselor=counselor, starts_at=at(2, 9))
    client = client_for(supervisor)
    url = reverse("appointments:staff_book_confirm", args=[slot.pk])
    data = {"new_name": "吴秀兰", "new_phone": "13511112222", "channel": Channel.WALK_IN}
    offered = client.post(url, data)
    html = offered.content.decode()
    assert offered.status_code == 200 and "吴秀兰" in html and "135****2222" in html
    assert "已登记" in html  # "This looks like … already registered"
    assert not Appointment.objects.exists() and Resident.objects.filter(full_name="吴秀兰").count() == 1

    booked = client.post(url, {**data, "create_anyway": "on"})
    assert booked.status_code == 302
    assert Resident.objects.filter(full_name="吴秀兰").count() == 2


def test_a_staff_made_record_and_the_same_persons_sign_up_become_one_record(
    station,
    counselor,
    sms_outbox,  # noqa: F811
):
    walk_in = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", phone="13511112222", station=station
    )
    slot = SlotFactory(center=station.center, station=station, counselor=counselor, starts_at=at(3, 10))
    appointment_book_by_staff(slot=slot, actor=counselor, channel=Channel.WALK_IN, resident=walk_in)

    # Two strangers sign up through the form: the walk-in, and someone nobody knew.
    her, _ = sign_up(station, full_name="吴秀兰", phone="13511112222")
    assert Resident.objects.filter(full_name="吴秀兰").count() == 2  # until the number is verified
    her_page = reach_my_page(her, sms_outbox, phone="13511112222")
    him, _ = sign_up(station, full_name="郑海", phone="13533334444")
    his_page = reach_my_page(him, sms_outbox, phone="13533334444")

    assert Resident.objects.filter(full_name="吴秀兰").count() == 1
    walk_in.refresh_from_db()
    assert walk_in.user is not None and walk_in.user.phone_verified
    assert "吴秀兰" in her_page.content.decode() and "郑海" in his_page.content.decode()
    mine = her.get(reverse("appointments:mine")).content.decode()
    assert "王老师" in mine or station.name in mine  # the appointment staff booked is on her own list
    assert Appointment.objects.get().resident_id == walk_in.pk
    merge_row = AuditEvent.objects.get(action="resident.merge")
    assert merge_row.object_id == str(walk_in.pk) and merge_row.actor_label == "system"


def test_a_supervisor_merges_two_records_and_everything_moves_in_one_audited_step(
    station, counselor, supervisor, second_supervisor
):
    kept = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", phone="13511112222", station=station
    )
    twin = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", station=station, create_anyway=True
    )
    AppointmentFactory(slot=SlotFactory(center=station.center, station=station, counselor=counselor), resident=twin)
    case = CaseFactory(center=station.center, resident=twin)
    consent_give(resident=twin, purpose=ConsentPurpose.SCREENING, actor=counselor)
    consent_give(resident=kept, purpose=ConsentPurpose.SCREENING, actor=counselor)
    consent_give(resident=twin, purpose=ConsentPurpose.CASE_RECORD, actor=counselor)

    with pytest.raises(PermissionDenied):
        resident_merge(kept=kept, removed=twin, actor=counselor, reason="同一人")

    resident_merge(kept=kept, removed=twin, actor=second_supervisor, reason="同一人，两次登记")

    assert not Resident.objects.filter(pk=twin.pk).exists()
    assert Appointment.objects.get().resident_id == kept.pk
    case.refresh_from_db()
    assert case.resident_id == kept.pk
    active = ConsentRecord.objects.filter(resident=kept, withdrawn_at__isnull=True)
    assert sorted(active.values_list("purpose", flat=True)) == ["case_record", "screening"]
    assert ConsentRecord.objects.filter(resident=kept, withdrawn_at__isnull=False).count() == 1
    row = AuditEvent.objects.get(action="resident.merge")
    assert row.actor_id == second_supervisor.pk and row.detail["removed"] == twin.pk
    assert row.detail["moved"]["appointments.appointment"] == 1 and row.detail["moved"]["cases.case"] == 1


def test_two_open_cases_stop_the_merge_with_what_to_do_first_and_nothing_moves(station, counselor, supervisor):
    kept = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", phone="13511112222", station=station
    )
    twin = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", station=station, create_anyway=True
    )
    CaseFactory(center=station.center, resident=kept)
    CaseFactory(center=station.center, resident=twin)
    AppointmentFactory(slot=SlotFactory(center=station.center, station=station, counselor=counselor), resident=twin)

    with pytest.raises(ValidationError) as refused:
        resident_merge(kept=kept, removed=twin, actor=supervisor, reason="同一人")
    assert "first" in refused.value.messages[0] or "先" in refused.value.messages[0]
    assert Case.objects.filter(resident=twin).count() == 1 and Appointment.objects.get().resident_id == twin.pk
    assert not AuditEvent.objects.filter(action="resident.merge").exists()


def test_the_merge_pages_show_what_will_move_and_merge_on_confirmation(client_for, station, counselor, supervisor):
    kept = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", phone="13511112222", station=station
    )
    twin = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", station=station, create_anyway=True
    )
    AppointmentFactory(slot=SlotFactory(center=station.center, station=station, counselor=counselor), resident=twin)
    client = client_for(supervisor)

    found = client.get(reverse("centers:resident_merge_find"), {"q": "吴秀兰"}).content.decode()
    assert found.count('name="kept"') == 2 and "135****2222" in found
    confirm_url = reverse("centers:resident_merge_confirm")
    preview = client.get(confirm_url, {"kept": kept.pk, "removed": twin.pk})
    assert preview.status_code == 200
    assert "1" in preview.content.decode().split('data-testid="merge-moves"')[1].split("</ul>")[0]

    unconfirmed = client.post(confirm_url, {"kept": kept.pk, "removed": twin.pk, "reason": "同一人"})
    assert unconfirmed.status_code == 400 and "同一人" in unconfirmed.content.decode()  # what they typed stays
    assert Resident.objects.filter(pk=twin.pk).exists()

    done = client.post(confirm_url, {"kept": kept.pk, "removed": twin.pk, "reason": "同一人", "confirm": "on"})
    assert done.status_code == 302
    assert not Resident.objects.filter(pk=twin.pk).exists()
    assert Appointment.objects.get().resident_id == kept.pk


def test_merge_pages_are_for_supervisors_of_the_records_center_only(
    client_for, station, counselor, other_center, make_staff
):
    kept = resident_create_by_staff(actor=counselor, center=station.center, full_name="吴秀兰", station=station)
    twin = resident_create_by_staff(
        actor=counselor, center=station.center, full_name="吴秀兰", station=station, create_anyway=True
    )
    elsewhere = make_staff(Role.SUPERVISOR, center_=other_center)
    confirm_url = reverse("centers:resident_merge_confirm")
    assert client_for(counselor).get(reverse("centers:resident_merge_find")).status_code == 404
    assert Client().get(reverse("centers:resident_merge_find")).status_code == 302
    outsider = client_for(elsewhere)
    assert outsider.get(confirm_url, {"kept": kept.pk, "removed": twin.pk}).status_code == 404
