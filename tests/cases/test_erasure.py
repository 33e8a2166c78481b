"""Erasure that cannot destroy a live clinical record: with an open case, or a closed one inside the retention
period, "erase my data" withdraws consents and the contact details not needed for safety, records the request,
tells the person what is kept and why, and tells the counselor and the supervisor; the record stays readable."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.alerts.models import Notification
from cases.models import Case, CaseEvent, CaseNote, Channel, EventKind, Stage
from cases.screenings.models import Screening
from cases.services import intake as intake_services
from cases.services import notes as note_services
from cases.services import screenings as screening_services
from cases.services import workflow as workflow_services
from centers.audit.models import AuditEvent
from centers.middleware import LAST_SEEN_KEY
from centers.models import Resident, Role, User
from centers.privacy.models import ConsentPurpose, ConsentRecord, ErasureRequest
from centers.privacy.services import consent_give, person_anonymise, person_erase_by_staff
from tests.cases.conftest import phq9
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages(english):
    """Pages and refusals are matched in English; the default language is Chinese."""


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time())
    session.save()
    return client


@pytest.fixture
def first(center, station):
    return ResidentFactory(center=center, station=station, user=UserFactory(), full_name="赵一", phone="13600000001")


@pytest.fixture
def second(center, station):
    return ResidentFactory(center=center, station=station, user=UserFactory(), full_name="钱二", phone="13600000002")


def _case_with_notes(resident, counselor, center, note: str) -> Case:
    consent_give(resident=resident, purpose=ConsentPurpose.CASE_RECORD, actor=resident.user)
    consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=resident.user)
    case, _created = intake_services.case_intake(
        resident=resident, center=center, channel=Channel.WALK_IN, source="", actor=counselor, summary="长期失眠"
    )
    workflow_services.case_assign(case=case, counselor=counselor, actor=counselor)
    note_services.note_add(case=case, actor=counselor, body=note)
    screening_services.screening_submit(
        resident=resident, instrument="phq9", answers=phq9(7), actor=counselor, case=case
    )
    return Case.objects.get(pk=case.pk)


def _closed(case: Case, *, years_ago: float) -> Case:
    """Set up a case closed long ago (the closing workflow has its own tests)."""
    closed_at = timezone.now() - dt.timedelta(days=365.25 * years_ago)
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED, closed_at=closed_at)
    case.follow_ups.all().update(cancelled_at=closed_at)
    return Case.objects.get(pk=case.pk)


def test_erasure_with_an_open_case_keeps_the_record_and_tells_the_counselor_and_supervisor(
    first, second, counselor, supervisor, center
):
    case = _case_with_notes(first, counselor, center, "第一次会谈：睡眠差，有轻生念头")
    request = person_anonymise(resident=first, actor=first.user)
    assert request.outcome == "record_kept" and request.phone_kept
    assert request.kept == [{"case_ref": case.reference, "open": True, "until": None, "years": 10}]
    # The clinical record is untouched.
    assert CaseNote.objects.get(case=case).body == "第一次会谈：睡眠差，有轻生念头"
    assert Case.objects.get(pk=case.pk).summary == "长期失眠"
    assert Screening.objects.get(case=case).answers == phq9(7)
    # Consents and the account go; the name and the number the counselor calls stay.
    kept = Resident.objects.get(pk=first.pk)
    assert kept.full_name == "赵一" and kept.phone == "13600000001" and kept.anonymised_at is None
    assert not ConsentRecord.objects.filter(resident=first, withdrawn_at__isnull=True).exists()
    account = User.objects.get(pk=first.user_id)
    assert not account.is_active and account.email == "" and not account.has_usable_password()
    # Told, on the timeline, and audited.
    told = Notification.objects.filter(subject__contains=case.reference)
    assert {row.user for row in told} == {counselor, supervisor}
    assert told.filter(channel="email", sent_at__isnull=True).count() == 2  # the sweep sends them
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ERASURE).exists()
    assert AuditEvent.objects.filter(action="person.erasure_record_kept", object_id=str(first.pk)).exists()
    assert AuditEvent.objects.filter(action="case.erasure_record_kept", object_id=str(case.pk)).exists()
    # The second resident has no case: erasure works as it always did.
    erased = person_anonymise(resident=second, actor=second.user)
    assert erased.outcome == "erased" and erased.kept == []
    second.refresh_from_db()
    assert second.anonymised_at is not None and "钱二" not in second.full_name and second.phone == ""
    assert ErasureRequest.objects.count() == 2


def test_the_counselor_still_opens_the_case_after_the_person_asked_for_erasure(first, counselor, center):
    case = _case_with_notes(first, counselor, center, "会谈记录甲")
    person_anonymise(resident=first, actor=first.user)
    response = _client(counselor).get(reverse("cases:case_detail", args=[case.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "会谈记录甲" in page and "赵一" in page and "13600000001" in page
    assert 'data-testid="erasure-banner"' in page
    assert 'data-testid="consent-missing"' not in page  # the banner says why the consents are gone


def test_two_residents_ask_for_erasure_through_the_page_and_are_told_what_is_kept(
    first, second, counselor, center, password
):
    case = _case_with_notes(first, counselor, center, "会谈记录乙")
    one, two = _client(first.user), _client(second.user)
    preview = one.get(reverse("centers:erase_me")).content.decode()
    assert 'data-testid="erasure-preview"' in preview and case.reference in preview
    assert 'data-testid="erasure-preview"' not in two.get(reverse("centers:erase_me")).content.decode()

    response = one.post(reverse("centers:erase_me"), {"password": password, "confirm": "on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "What is kept, and why" in page and case.reference in page and "still open" in page
    assert "Your mobile number" in page and "have been told" in page
    assert one.get(reverse("centers:my_data"))["Location"].startswith(reverse("account_login"))  # signed out
    assert CaseNote.objects.get(case=case).body == "会谈记录乙"

    response = two.post(reverse("centers:erase_me"), {"password": password, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("centers:home")
    assert Resident.objects.get(pk=second.pk).anonymised_at is not None


def test_a_closed_case_inside_the_retention_period_is_kept_and_an_older_one_is_blanked(
    first, second, counselor, center
):
    recent = _closed(_case_with_notes(first, counselor, center, "两年前的记录"), years_ago=2)
    old = _closed(_case_with_notes(second, counselor, center, "十一年前的记录"), years_ago=11)
    request = person_anonymise(resident=first, actor=first.user)
    assert request.outcome == "record_kept" and not request.phone_kept  # no follow-up due: the number goes
    assert (
        request.kept[0]["until"]
        == timezone.localtime(recent.closed_at)
        .date()
        .replace(year=timezone.localtime(recent.closed_at).year + 10)
        .isoformat()
    )
    assert CaseNote.objects.get(case=recent).body == "两年前的记录"
    assert Resident.objects.get(pk=first.pk).phone == ""
    person_anonymise(resident=second, actor=second.user)
    assert CaseNote.objects.get(case=old).body == ""
    assert Resident.objects.get(pk=second.pk).anonymised_at is not None


def test_the_retention_period_is_a_setting_of_the_center(first, counselor, center):
    case = _closed(_case_with_notes(first, counselor, center, "三年前"), years_ago=3)
    center.record_retention_years = 2
    center.save()
    assert person_anonymise(resident=first, actor=first.user).outcome == "erased"
    assert CaseNote.objects.get(case=case).body == ""


def test_staff_record_an_erasure_for_a_child_without_an_account(center, station, counselor, make_staff, supervisor):
    child = ResidentFactory(
        center=center, station=station, full_name="小明", birth_date=timezone.localdate().replace(year=2016)
    )
    other = ResidentFactory(center=center, station=station, full_name="小红")  # no account, no case
    case, _created = intake_services.case_intake(
        resident=child, center=center, channel=Channel.WALK_IN, source="", actor=counselor
    )
    workflow_services.case_assign(case=case, counselor=counselor, actor=counselor)
    note_services.note_add(case=case, actor=counselor, body="孩子的会谈记录")
    client = _client(counselor)
    url = reverse("centers:staff_erasure", args=[child.pk])
    assert 'data-testid="staff-erasure-link"' in client.get(case.get_absolute_url()).content.decode()
    refused = client.post(url, {"asked_by": "", "confirm": "on"})
    assert refused.status_code == 400 and "Say who asked" in refused.content.decode()
    assert not ErasureRequest.objects.exists()
    done = client.post(url, {"asked_by": "母亲张女士，电话中提出", "confirm": "on"})
    page = done.content.decode()
    assert done.status_code == 200 and case.reference in page and "母亲张女士" in page
    assert CaseNote.objects.get(case=case).body == "孩子的会谈记录"
    request = ErasureRequest.objects.get(resident=child)
    assert request.by_staff and request.carried_out_by == counselor and request.outcome == "record_kept"
    assert AuditEvent.objects.filter(action="person.erasure_record_kept", actor=counselor).exists()
    # A second person, without a case: erased outright, by a second member of staff.
    person_erase_by_staff(resident=other, actor=supervisor, asked_by="本人到站提出")
    assert Resident.objects.get(pk=other.pk).anonymised_at is not None


def test_staff_cannot_erase_an_adult_with_an_account_or_a_person_of_another_center(
    first, counselor, make_staff, other_center_station
):
    client = _client(counselor)
    assert client.get(reverse("centers:staff_erasure", args=[first.pk])).status_code == 404
    far = ResidentFactory(center=other_center_station.center, station=other_center_station, full_name="远方居民")
    assert client.get(reverse("centers:staff_erasure", args=[far.pk])).status_code == 404
    volunteer = make_staff(Role.VOLUNTEER)
    child = ResidentFactory(center=first.center, station=first.station, full_name="无账号居民")
    assert _client(volunteer).get(reverse("centers:staff_erasure", args=[child.pk])).status_code == 404
