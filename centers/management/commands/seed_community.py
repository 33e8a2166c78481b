"""Demo data for the community side (run after seed_demo). Safe to run twice: the second run changes nothing."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from centers.community.models import (
    RegistrationStatus,
    TrainingRecord,
    TrainingSession,
    VolunteerTaskKind,
    Workshop,
    WorkshopKind,
    WorkshopRegistration,
)
from centers.community.registrations import services as registration_services
from centers.community.training import services as training_services
from centers.community.volunteers import services as volunteer_services
from centers.community.workshops import services as workshop_services
from centers.models import Center, Resident, Station, User
from centers.services import resident_create_by_staff

DEMO_DOMAIN = "demo.fucheng.cn"

# (full name, phone, station code): extra residents so that one workshop fills up and has a waiting list
EXTRA_RESIDENTS = [
    ("赵雪梅", "13800000021", "xinhua"),
    ("钱志远", "13800000022", "xinhua"),
    ("孙晓燕", "13800000023", "xinhua"),
    ("李建国", "13800000024", "xinhua"),
    ("周桂兰", "13800000025", "dongfeng"),
    ("吴海波", "13800000026", "dongfeng"),
    ("郑丽娟", "13800000027", "dongfeng"),
    ("王春生", "13800000028", "guangming"),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


class Command(BaseCommand):
    help = (
        "Volunteers with current and lapsed training, training sessions and workshops with registrations (idempotent)."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        center = Center.objects.filter(code="fucheng").first()
        if center is None:
            raise CommandError("Run seed_demo first: the demo center is missing.")
        self.rng = random.Random(9)  # noqa: S311  fixed seed: the same demo every time
        self.center = center
        self.today = timezone.localdate()
        self.stations = {s.code: s for s in Station.objects.filter(center=center)}
        self.staff = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")}
        supervisor = self.staff["supervisor"]
        volunteers = self._volunteers(supervisor)
        self._training(supervisor, volunteers)
        residents = self._residents()
        self._workshops(residents, volunteers)
        self.stdout.write(self.style.SUCCESS("Community demo ready: volunteers, training, workshops."))
        self.stdout.write(f"  {'volunteer@' + DEMO_DOMAIN:32} volunteer with current training")
        self.stdout.write(f"  {'volunteer2@' + DEMO_DOMAIN:32} volunteer whose training has lapsed")

    def _volunteers(self, supervisor):
        third = User.objects.filter(email__iexact=f"volunteer3@{DEMO_DOMAIN}").first()
        if third is None:
            third = volunteer_services.volunteer_register(
                actor=supervisor,
                center=self.center,
                station=self.stations["dongfeng"],
                display_name="孙丽（志愿者）",
                email=f"volunteer3@{DEMO_DOMAIN}",
                phone="13900000003",
                last_name="孙",
                first_name="丽",
            )
            third.set_password("fucheng-demo-2026")
            third.save(update_fields=["password"])
        current, lapsed = self.staff["volunteer"], self.staff["volunteer2"]
        self._record(supervisor, current, "心理志愿者基础培训", 16, days_ago=60, valid_days=305, number="FC-V-0001")
        self._record(supervisor, lapsed, "心理志愿者基础培训", 16, days_ago=400, valid_days=365, number="FC-V-0002")
        self._record(supervisor, third, "心理志愿者基础培训", 16, days_ago=20, valid_days=345, number="FC-V-0003")
        return {"current": current, "lapsed": lapsed, "third": third}

    def _record(self, actor, user, course, hours, *, days_ago, valid_days, number):
        if TrainingRecord.objects.filter(user=user, certificate_number=number).exists():
            return
        completed = self.today - dt.timedelta(days=days_ago)
        training_services.training_record_add(
            actor=actor,
            center=self.center,
            user=user,
            course=course,
            hours=Decimal(hours),
            completed_on=completed,
            certificate_number=number,
            certificate_expires_on=completed + dt.timedelta(days=valid_days),
        )

    def _training(self, supervisor, volunteers):
        held = TrainingSession.objects.filter(center=self.center, topic="危机识别与转介（复训）").first()
        if held is None:
            held = TrainingSession(
                center=self.center,
                station=None,
                topic="危机识别与转介（复训）",
                trainer="孙教授",
                starts_at=_at(self.today - dt.timedelta(days=14), 14),
                hours=Decimal("3"),
                certificate_months=12,
                created_by=supervisor,
            )
            held.full_clean()
            held.save()
            training_services.training_attendance_set(
                actor=supervisor,
                session=held,
                attendees=[volunteers["third"], self.staff["counselor"], self.staff["counselor2"]],
            )
        if not TrainingSession.objects.filter(center=self.center, topic="心理急救与倾听技巧").exists():
            training_services.training_session_create(
                actor=supervisor,
                center=self.center,
                station=self.stations["xinhua"],
                topic="心理急救与倾听技巧",
                trainer="周督导",
                starts_at=_at(self.today + dt.timedelta(days=10), 9),
                hours=Decimal("6"),
                certificate_months=24,
            )

    def _residents(self):
        counselor = self.staff["counselor"]
        people = list(Resident.objects.filter(center=self.center, anonymised_at__isnull=True, guardian__isnull=True))
        for name, phone, code in EXTRA_RESIDENTS:
            resident = Resident.objects.filter(center=self.center, full_name=name, phone=phone).first()
            if resident is None:
                resident = resident_create_by_staff(
                    actor=counselor, center=self.center, full_name=name, phone=phone, station=self.stations[code]
                )
                people.append(resident)
        return sorted(people, key=lambda r: r.pk)

    def _workshop(self, actor, title, **fields):
        existing = Workshop.objects.filter(center=self.center, title=title).first()
        if existing is not None:
            return existing, False
        return workshop_services.workshop_create(actor=actor, center=self.center, title=title, **fields), True

    def _workshops(self, residents, volunteers):
        manager, supervisor = self.staff["manager"], self.staff["supervisor"]
        day = self.today + dt.timedelta(days=5)
        parent_child, created = self._workshop(
            manager,
            "亲子沟通工作坊：读懂孩子的情绪",
            station=self.stations["dongfeng"],
            kind=WorkshopKind.PARENT_CHILD,
            description="家长和 6–12 岁孩子一起参加，通过游戏练习表达和倾听。",
            place="东风社区活动室",
            starts_at=_at(day, 14),
            ends_at=_at(day, 16),
            capacity=12,
        )
        if created:
            for resident in self.rng.sample([r for r in residents if r.station_id == parent_child.station_id], 3):
                registration_services.workshop_register(workshop=parent_child, resident=resident, actor=manager)
            workshop_services.workshop_duty_assign(
                actor=manager, workshop=parent_child, volunteer=volunteers["current"]
            )
        day = self.today + dt.timedelta(days=7)
        sand_play, created = self._workshop(
            supervisor,
            "沙盘团体：压力与放松",
            station=self.stations["xinhua"],
            kind=WorkshopKind.SAND_PLAY,
            description="小团体沙盘体验，名额有限。",
            place="新华社区心理服务站沙盘室",
            starts_at=_at(day, 9, 30),
            ends_at=_at(day, 11, 30),
            capacity=3,
        )
        if created:
            for resident in [r for r in residents if r.station_id == sand_play.station_id][:5]:
                registration_services.workshop_register(workshop=sand_play, resident=resident, actor=supervisor)
        day = self.today + dt.timedelta(days=12)
        self._workshop(
            supervisor,
            "心理健康讲座：睡眠与情绪",
            station=None,
            kind=WorkshopKind.LECTURE,
            description="中心专家主讲，欢迎各社区居民参加。",
            place="中心心理健康教育室",
            starts_at=_at(day, 19),
            ends_at=_at(day, 20, 30),
            capacity=60,
        )
        self._past_workshop(manager, residents, volunteers)

    def _past_workshop(self, manager, residents, volunteers):
        """A workshop held last week, with attendance taken: it shows in the station's figures."""
        title = "正念减压小组（第一期）"
        if Workshop.objects.filter(center=self.center, title=title).exists():
            return
        day = self.today - dt.timedelta(days=6)
        workshop = Workshop(
            center=self.center,
            station=self.stations["dongfeng"],
            kind=WorkshopKind.SUPPORT_GROUP,
            title=title,
            place="东风社区活动室",
            starts_at=_at(day, 15),
            ends_at=_at(day, 17),
            capacity=10,
            created_by=manager,
        )
        workshop.full_clean()
        workshop.save()
        registrations = []
        for resident in self.rng.sample(residents, 6):
            registration = WorkshopRegistration(
                workshop=workshop,
                resident=resident,
                status=RegistrationStatus.CONFIRMED,
                registered_by=manager,
                registered_at=workshop.starts_at - dt.timedelta(days=3),
                confirmed_at=workshop.starts_at - dt.timedelta(days=3),
            )
            registration.full_clean()
            registration.save()
            registrations.append(registration)
        duty = volunteer_services.volunteer_task_assign(
            actor=manager,
            volunteer=volunteers["current"],
            center=self.center,
            station=workshop.station,
            kind=VolunteerTaskKind.WORKSHOP_DUTY,
            title=workshop.title,
            due_at=workshop.starts_at,
            hours=workshop.duration_hours,
            workshop=workshop,
        )
        workshop_services.workshop_attendance_record(
            actor=manager,
            workshop=workshop,
            attended_ids=[r.pk for r in registrations[:5]],
            duty_done_ids=[duty.pk],
        )
