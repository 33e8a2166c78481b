"""Rules the organisation's data keeps, in the database and as clear messages (in Chinese, the default)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from centers.models import Center, DutyShift, Membership, Resident, Role, ShiftKind, mask_phone
from tests.factories import CenterFactory, ResidentFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_station_manager_needs_a_station_in_the_database(center):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, center=center, role=Role.STATION_MANAGER)


def test_a_center_wide_role_cannot_be_tied_to_a_station(center, station):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, center=center, station=station, role=Role.SUPERVISOR)


def test_membership_clean_explains_a_station_of_another_center(center, other_center_station):
    membership = Membership(user=UserFactory(), center=center, station=other_center_station, role=Role.COUNSELOR)
    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()
    assert "该服务站属于其他中心" in str(excinfo.value)


def test_the_same_role_twice_at_the_same_place_is_refused(center, station):
    user = UserFactory()
    Membership.objects.create(user=user, center=center, station=station, role=Role.COUNSELOR)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, center=center, station=station, role=Role.COUNSELOR)
    # ...but the same person may counsel at a second station.
    Membership.objects.create(user=user, center=center, station=StationFactory(center=center), role=Role.COUNSELOR)


def test_station_codes_are_unique_within_a_center_only(center, other_center):
    StationFactory(center=center, code="same")
    StationFactory(center=other_center, code="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        StationFactory(center=center, code="same")


def test_emails_are_unique_whatever_their_case():
    UserFactory(email="Person@Example.cn")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="person@example.cn")


def test_many_accounts_may_have_no_email_or_phone():
    UserFactory(email="", phone="")
    UserFactory(email="", phone="")


def test_phone_numbers_are_unique_when_given():
    UserFactory(phone="13812341234")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(phone="13812341234")


def test_a_shift_must_end_after_it_starts(center):
    start = timezone.now()
    shift = DutyShift(center=center, kind=ShiftKind.ONSITE, user=UserFactory(), starts_at=start, ends_at=start)
    with pytest.raises(ValidationError) as excinfo:
        shift.full_clean()
    assert "结束时间必须晚于开始时间" in str(excinfo.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        shift.save()


def test_second_escalation_must_come_after_the_first():
    center = Center(name="x", code="x", hotline="1", alert_ack_minutes=30, alert_second_escalation_minutes=15)
    with pytest.raises(ValidationError) as excinfo:
        center.full_clean()
    assert "二次升级时限必须晚于首次升级时限" in str(excinfo.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        center.save()


def test_guardian_must_belong_to_the_same_center(center, other_center):
    guardian = ResidentFactory(center=other_center)
    child = ResidentFactory.build(center=center, station=None, guardian=guardian)
    with pytest.raises(ValidationError) as excinfo:
        child.full_clean()
    assert "监护人必须在同一中心登记" in str(excinfo.value)


def test_a_resident_cannot_be_their_own_guardian(center):
    person = ResidentFactory(center=center)
    person.guardian = person
    with pytest.raises(IntegrityError), transaction.atomic():
        person.save()


def test_mainland_mobile_numbers_are_validated(center):
    person = ResidentFactory.build(center=center, station=None, phone="12345")
    with pytest.raises(ValidationError) as excinfo:
        person.full_clean()
    assert "请输入 11 位大陆手机号码" in str(excinfo.value)


def test_children_under_14_need_a_guardian_consent(center):
    today = timezone.localdate()
    child = Resident(center=center, full_name="孩子", birth_date=today.replace(year=today.year - 13))
    teen = Resident(
        center=center, full_name="少年", birth_date=today.replace(year=today.year - 14) - dt.timedelta(days=1)
    )
    assert child.needs_guardian_consent
    assert not teen.needs_guardian_consent


@pytest.mark.parametrize(
    ("phone", "masked"), [("13812341234", "138****1234"), ("", ""), (None, ""), ("12345", "*****")]
)
def test_phone_numbers_are_masked_in_lists(phone, masked):
    assert mask_phone(phone) == masked


def test_centers_keep_their_defaults_from_the_architecture():
    center = CenterFactory()
    assert (center.cancel_cutoff_hours, center.face_to_face_minutes, center.phone_minutes) == (12, 50, 20)
    assert (center.alert_ack_minutes, center.alert_second_escalation_minutes) == (15, 30)
