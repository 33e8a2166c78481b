"""factory_boy factories for the organisation. Apps add their own beside these."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from centers.models import (
    Center,
    DutyShift,
    Membership,
    PartnerInstitution,
    PartnerKind,
    Resident,
    Role,
    Room,
    RoomKind,
    ShiftKind,
    Station,
    User,
)

TEST_PASSWORD = "quiet-river-2026"
# Staff made by the fixtures have this authenticator-app secret (base32), so a test can
# sign in through the real two-step form with totp_code().
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user, secret: str = TEST_TOTP_SECRET):
    """Set up an authenticator app for the account, as the person would on the 2FA page."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, secret)
    return user


def give_confirmed_phone(*users, first: int = 13900000001):
    """Confirmed mobile numbers for staff, as they confirm them on "How alerts reach me" (the roster puts nobody
    on the crisis team without one)."""
    from centers.models import User

    for n, user in enumerate(users):
        User.objects.filter(pk=user.pk).update(phone=str(first + n), phone_verified=True)
        user.refresh_from_db()
    return users


def monthly_figures(center, station, *, year: int, face_to_face: int = 23, phone: int = 17) -> None:
    """A year of person-times for a station's statistics, every month large enough to be shown (January's as
    given, the others 10 + month face to face and 12 by phone)."""
    from centers.reporting.evaluations.models import MonthlyServiceFigure

    for month in range(1, 13):
        counts = (face_to_face, phone) if month == 1 else (10 + month, 12)
        for service, person_times in zip(("face_to_face", "phone"), counts, strict=True):
            MonthlyServiceFigure.objects.create(
                center=center,
                station=station,
                month=dt.date(year, month, 1),
                service=service,
                person_times=person_times,
            )


def put_on_duty(user, center, *, start=None, hours: float = 8, crisis_team: bool = True) -> DutyShift:
    """An online-hotline shift for the user (on the crisis team unless said), from `start` (default: an hour
    ago) for `hours`."""
    start = start or timezone.now() - dt.timedelta(hours=1)
    return DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=user,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        is_crisis_team=crisis_team,
    )


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app shows right now for the secret."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试街道心理健康服务中心{n}")
    code = factory.Sequence(lambda n: f"center-{n}")
    hotline = "028-8888-0000"


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"测试社区心理服务站{n}")
    code = factory.Sequence(lambda n: f"station-{n}")
    address = "测试路 1 号"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    display_name = factory.Sequence(lambda n: f"测试{n}老师")
    password = factory.django.Password(TEST_PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    center = factory.SubFactory(CenterFactory)
    station = None
    role = Role.COUNSELOR


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    center = factory.SubFactory(CenterFactory)
    station = factory.SubFactory(StationFactory, center=factory.SelfAttribute("..center"))
    full_name = factory.Sequence(lambda n: f"居民{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerInstitution

    center = factory.SubFactory(CenterFactory)
    name = factory.Sequence(lambda n: f"合作医院{n}")
    kind = PartnerKind.HOSPITAL


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    center = factory.SubFactory(CenterFactory)
    station = None
    name = factory.Sequence(lambda n: f"咨询室{n}")
    kind = RoomKind.COUNSELING
