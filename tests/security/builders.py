"""Objects of the feature apps built in a scope of the matrix world ("own", "other_station",
"other_center"), for the route declarations of the pages and of the admin.

Own scope: the matrix people own or work the object (the matrix resident's booking, a case at the
matrix station given to the matrix counselor and asked of the matrix expert, a task of the matrix
volunteer). Other scopes: strangers at the other station or the other center, with names that a
refusal page must never show.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from appointments.models import Availability, OfferStatus, Place, Service, WaitlistEntry, WaitlistOffer
from cases.alerts.models import CrisisAlert
from cases.follow_ups.models import FollowUp
from cases.models import Consultation
from cases.referrals.models import Referral, ReferralBasis, StationRequest
from cases.screenings.models import Screening
from centers.community.models import TrainingSession, VolunteerTask, VolunteerTaskKind, Workshop, WorkshopKind
from centers.models import DutyShift, Membership, Role, ServiceGroup, ShiftKind
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from centers.reporting.evaluations.models import EvaluationStatus, StationEvaluation
from tests.appointments.factories import AppointmentFactory, SlotFactory
from tests.cases.factories import CaseFactory
from tests.centers.community.factories import RegistrationFactory, TrainingRecordFactory
from tests.factories import PartnerFactory

_counter = itertools.count(1)


def future(days: int = 3) -> dt.datetime:
    """A distinct future time for each object, so slots and shifts never overlap."""
    n = next(_counter)
    start = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
    return start + dt.timedelta(days=days + n // 10, hours=n % 10)


def counselor(world, scope):
    return world.users["counselor"] if scope == "own" else world.staff_in(scope, Role.COUNSELOR).user


def volunteer(world, scope) -> Membership:
    """The volunteer's membership: own scope the matrix volunteer's, else a volunteer of the scope's station."""
    if scope == "own":
        return Membership.objects.get(user=world.users["volunteer"], role=Role.VOLUNTEER)
    return world.staff_in(scope, Role.VOLUNTEER)


def resident(world, scope):
    return world.users["resident"].resident if scope == "own" else world.resident_in(scope)


def secrets_of(person) -> tuple[str, ...]:
    return tuple(value for value in (person.full_name, person.phone) if value)


# --- appointments ---------------------------------------------------------------------------------


def slot(world, scope, days: int = 3):
    station = world.station_for(scope)
    return SlotFactory(
        center=station.center,
        station=station,
        counselor=counselor(world, scope),
        place=Place.STATION,
        service=Service.FACE_TO_FACE,
        starts_at=future(days),
    )


def appointment(world, scope):
    person = resident(world, scope)
    booking = AppointmentFactory(
        slot=slot(world, scope), resident=person, booked_by=person.user, reason="睡不好，想聊聊"
    )
    return booking, secrets_of(person)


def waitlist_entry(world, scope):
    person = resident(world, scope)
    station = world.station_for(scope)
    entry = WaitlistEntry.objects.filter(resident=person, station=station, service=Service.FACE_TO_FACE).first()
    if entry is None:
        entry = WaitlistEntry.objects.create(
            center=station.center,
            station=station,
            resident=person,
            service=Service.FACE_TO_FACE,
            first_day=timezone.localdate(),
            last_day=timezone.localdate() + dt.timedelta(days=14),
            created_by=person.user,
        )
    return entry, secrets_of(person)


def waitlist_offer(world, scope):
    entry, secrets = waitlist_entry(world, scope)
    offer = WaitlistOffer.objects.create(
        entry=entry, slot=slot(world, scope), expires_at=timezone.now() + dt.timedelta(hours=2), status=OfferStatus.OPEN
    )
    return offer, secrets


def availability(world, scope):
    station = world.station_for(scope)
    window = Availability.objects.create(
        center=station.center,
        counselor=counselor(world, scope),
        place=Place.STATION,
        station=station,
        weekday=(timezone.localdate().weekday() + 3) % 7,
        start_time=dt.time(9),
        end_time=dt.time(12),
        valid_from=timezone.localdate(),
    )
    return window, ()


def duty_shift(world, scope):
    station = world.station_for(scope)
    starts = future(5)
    shift = DutyShift.objects.create(
        center=station.center,
        station=station,
        kind=ShiftKind.ONSITE,
        user=counselor(world, scope),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=4),
    )
    return shift, (shift.user.display_name,) if scope != "own" else ()


# --- cases ----------------------------------------------------------------------------------------


def case(world, scope):
    """A case at the scope's station, worked by that station's counselor; own scope: also asked of
    the matrix expert, and followed up by the matrix volunteer."""
    person = world.resident_in(scope)
    station = world.station_for(scope)
    record = CaseFactory(center=station.center, station=station, resident=person)
    worker = counselor(world, scope)
    record.counselors.add(worker)
    if scope == "own":
        Consultation.objects.create(
            case=record, expert=world.users["expert"], requested_by=worker, question="如何评估？"
        )
    return record, secrets_of(person)


def crisis_alert(world, scope):
    record, secrets = case(world, scope)
    alert = CrisisAlert.objects.create(case=record, center=record.center, station=record.station, reason="judgement")
    return alert, secrets


def referral(world, scope):
    record, secrets = case(world, scope)
    row = Referral.objects.create(
        case=record,
        partner=PartnerFactory(center=record.center),
        basis=ReferralBasis.EMERGENCY,
        emergency_reason="自伤风险",
        reason="请安排精神科评估",
        sent_by=counselor(world, scope),
    )
    return row, secrets


def station_request(world, scope):
    """A contact passed to the scope's station for one of its residents (the sender: a counselor elsewhere)."""
    person = world.resident_in(scope)
    row = StationRequest.objects.create(
        center=person.center,
        station=person.station,
        resident=person,
        requested_by=counselor(world, scope),
        channel="hotline",
        phone=person.phone,
        name_given=person.full_name,
        summary="来电者情绪低落，需要本站跟进",
    )
    return row, (person.full_name, "来电者情绪低落")


def follow_up(world, scope):
    record, secrets = case(world, scope)
    row = FollowUp.objects.create(
        case=record,
        center=record.center,
        station=record.station,
        due_at=timezone.now() + dt.timedelta(days=1),
        assigned_to=world.users["volunteer"] if scope == "own" else volunteer(world, scope).user,
    )
    return row, secrets


def consultation(world, scope):
    record, secrets = case(world, scope)
    if scope == "own":
        return record.consultations.get(), secrets
    expert = world.staff_in(scope, Role.EXPERT).user
    row = Consultation.objects.create(case=record, expert=expert, requested_by=counselor(world, scope), question="？")
    return row, secrets


def screening(world, scope):
    """A self-check the resident took online (own scope: the matrix resident's)."""
    person = resident(world, scope)
    if not person.consents.filter(purpose=ConsentPurpose.SCREENING, withdrawn_at__isnull=True).exists():
        consent_give(resident=person, purpose=ConsentPurpose.SCREENING, actor=person.user)
    row = Screening.objects.create(
        resident=person,
        center=person.center,
        station=person.station,
        instrument="phq9",
        score=3,
        band="minimal",
        item9=0,
        self_reported=True,
        entered_by=person.user,
    )
    return row, secrets_of(person)


# --- community ------------------------------------------------------------------------------------


def workshop(world, scope):
    station = world.station_for(scope)
    starts = future(4)
    row = Workshop.objects.create(
        center=station.center,
        station=station,
        kind=WorkshopKind.PARENT_CHILD,
        title=f"亲子沟通工作坊{next(_counter)}",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=10,
    )
    return row, ()


def registration(world, scope):
    """A registration for a workshop (own scope: the matrix resident's, at the matrix station)."""
    row_workshop, _ = workshop(world, scope)
    person = resident(world, scope)
    row = RegistrationFactory(workshop=row_workshop, resident=person, registered_by=person.user)
    return row, secrets_of(person)


def training_session(world, scope):
    station = world.station_for(scope)
    row = TrainingSession.objects.create(
        center=station.center,
        station=station,
        topic=f"危机识别培训{next(_counter)}",
        trainer="孙教授",
        starts_at=timezone.now() - dt.timedelta(days=1),
        hours=Decimal("3"),
        certificate_months=12,
    )
    return row, ()


def training_record(world, scope):
    membership = volunteer(world, scope)
    row = TrainingRecordFactory(center=membership.center, user=membership.user)
    return row, (membership.user.display_name,) if scope != "own" else ()


def volunteer_task(world, scope):
    membership = volunteer(world, scope)
    row = VolunteerTask.objects.create(
        center=membership.center,
        station=membership.station,
        volunteer=membership.user,
        kind=VolunteerTaskKind.OUTREACH,
        title="社区宣传",
        due_at=timezone.now() + dt.timedelta(days=1),
        hours=Decimal("2"),
    )
    return row, (membership.user.display_name,) if scope != "own" else ()


def service_group(world, scope):
    station = world.station_for(scope)
    row = ServiceGroup.objects.create(
        center=station.center, station=station, name=f"青少年小组{next(_counter)}", need="youth"
    )
    return row, ()


# --- rows the admin shows -------------------------------------------------------------------------


def availability_exception(world, scope):
    from appointments.models import AvailabilityException, ExceptionKind

    station = world.station_for(scope)
    day = timezone.localdate() + dt.timedelta(days=20 + next(_counter))
    row = AvailabilityException.objects.create(
        center=station.center, counselor=counselor(world, scope), kind=ExceptionKind.LEAVE, starts_on=day, ends_on=day
    )
    return row, ()


def reminder(world, scope):
    from appointments.models import Reminder, ReminderKind

    booking, secrets = appointment(world, scope)
    row = Reminder.objects.create(
        appointment=booking,
        kind=ReminderKind.DAY_BEFORE,
        channel="sms",
        due_at=booking.starts_at - dt.timedelta(days=1),
    )
    return row, secrets


def notification(world, scope):
    from cases.alerts.models import Notification

    alert, secrets = crisis_alert(world, scope)
    person = alert.case.resident
    row = Notification.objects.create(
        center=alert.center,
        alert=alert,
        channel=Notification.ChannelKind.SMS,
        user=counselor(world, scope),
        address="13800000000",
        subject="危机预警",
        text=f"请尽快联系 {person.full_name}",
    )
    return row, secrets


def weekly_summary(world, scope):
    from cases.early_warning.models import WeeklyRiskSummary

    station = world.station_for(scope)
    week = timezone.localdate() - dt.timedelta(days=7 * next(_counter))
    row = WeeklyRiskSummary.objects.create(
        center=station.center, station=station, week_start=week - dt.timedelta(days=week.weekday())
    )
    return row, ()


# --- dashboards -----------------------------------------------------------------------------------

_quarters = itertools.count(1)


def evaluation(world, scope, *, published: bool):
    """A station evaluation of the scope's station, for a quarter no other test object uses."""
    n = next(_quarters)
    station = world.station_for(scope)
    fields = {"status": EvaluationStatus.DRAFT}
    if published:
        fields = {"status": EvaluationStatus.PUBLISHED, "total": Decimal("80.0"), "published_at": timezone.now()}
    found = StationEvaluation.objects.create(
        center=station.center, station=station, year=2000 + n // 4, quarter=n % 4 + 1, **fields
    )
    return found, ()


# --- online conversations (issue 10) ----------------------------------------------------------------


def conversation(world, scope):
    """An open conversation of a resident of the scope with that scope's counselor (own scope: the matrix
    resident with the matrix counselor)."""
    from cases.consult.models import Conversation, ConversationStatus, Message, MessageKind

    person = resident(world, scope)
    if not person.consents.filter(purpose=ConsentPurpose.ONLINE_COUNSELING, withdrawn_at__isnull=True).exists():
        consent_give(resident=person, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=person.user)
    Conversation.objects.filter(resident=person, status__in=["waiting", "open"]).update(
        status=ConversationStatus.CLOSED, closed_at=timezone.now()
    )
    worker = counselor(world, scope)
    row = Conversation.objects.create(
        center=person.center,
        station=person.station,
        resident=person,
        started_by=person.user,
        status=ConversationStatus.OPEN,
        counselor=worker,
        taken_at=timezone.now(),
    )
    Message.objects.create(
        conversation=row, kind=MessageKind.RESIDENT, author=person.user, body="最近睡不好，想找人聊聊"
    )
    Message.objects.create(
        conversation=row, kind=MessageKind.COUNSELOR, author=worker, author_label="王老师", body="我在，慢慢说"
    )
    return row, secrets_of(person)
