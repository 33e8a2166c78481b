"""Build the demo street center. Safe to run twice: the second run changes nothing."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from centers.accounts.administrators import administrator_grant
from centers.accounts.demo_security import demo_give_totp
from centers.models import (
    Administrator,
    AdministratorKind,
    Center,
    DutyShift,
    Membership,
    PartnerInstitution,
    PartnerKind,
    Resident,
    Role,
    Room,
    RoomKind,
    ServiceGroup,
    ServiceNeed,
    ShiftKind,
    Station,
    User,
)
from centers.services import membership_grant, resident_create_by_staff, staff_account_create

DEMO_PASSWORD = "fucheng-demo-2026"
DEMO_DOMAIN = "demo.fucheng.cn"

STATIONS = [
    ("dongfeng", "东风社区心理服务站"),
    ("xinhua", "新华社区心理服务站"),
    ("guangming", "光明社区心理服务站"),
    ("heping", "和平社区心理服务站"),
    ("jianshe", "建设社区心理服务站"),
    ("xingfu", "幸福社区心理服务站"),
    ("yangguang", "阳光社区心理服务站"),
    ("tuanjie", "团结社区心理服务站"),
    ("youyi", "友谊社区心理服务站"),
    ("shengli", "胜利社区心理服务站"),
    ("chunhui", "春晖社区心理服务站"),
    ("shuxiang", "书香社区心理服务站"),
    ("jinxiu", "锦绣社区心理服务站"),
    ("anning", "安宁社区心理服务站"),
    ("minzhu", "民主社区心理服务站"),
    ("zhenxing", "振兴社区心理服务站"),
]

# (key, family name, given name, display name, role, station code or None)
STAFF = [
    ("supervisor", "周", "敏", "周督导", Role.SUPERVISOR, None),
    ("counselor", "王", "静", "王老师", Role.COUNSELOR, "dongfeng"),
    ("counselor2", "李", "强", "李老师", Role.COUNSELOR, "xinhua"),
    ("counselor3", "张", "丽", "张老师", Role.COUNSELOR, None),
    ("counselor4", "刘", "洋", "刘老师", Role.COUNSELOR, None),
    ("counselor5", "陈", "晨", "陈老师", Role.COUNSELOR, "guangming"),
    ("manager", "赵", "刚", "赵站长", Role.STATION_MANAGER, "dongfeng"),
    ("expert", "孙", "立", "孙教授", Role.EXPERT, None),
    ("volunteer", "吴", "芳", "吴芳（志愿者）", Role.VOLUNTEER, "dongfeng"),
    ("volunteer2", "郑", "伟", "郑伟（志愿者）", Role.VOLUNTEER, "xinhua"),
    ("official", "钱", "明", "钱主任", Role.OFFICIAL, None),
    ("auditor", "冯", "云", "冯审计", Role.AUDITOR, None),
]

# The deployment's three separated administrators (等保 level 3): accounts without a center role.
# (key, display name, duty)
ADMINISTRATORS = [
    ("sysadmin", "系统管理员", AdministratorKind.SYSTEM),
    ("secadmin", "安全管理员", AdministratorKind.SECURITY),
    ("deployaudit", "审计管理员", AdministratorKind.AUDIT),
]

RESIDENTS = [
    # (key or None for no account, name, phone, station, birth date)
    ("resident", "林小雨", "13800000001", "dongfeng", dt.date(1990, 5, 12)),
    ("resident2", "黄海", "13800000002", "xinhua", dt.date(1978, 11, 2)),
    (None, "何秀英", "13800000003", "dongfeng", dt.date(1948, 3, 20)),
    (None, "罗志刚", "13800000004", "guangming", dt.date(1985, 7, 7)),
    (None, "高俊", "13800000005", "heping", dt.date(2001, 1, 30)),
]

PARTNERS = [
    ("阜城区人民医院", PartnerKind.HOSPITAL),
    ("市精神卫生中心", PartnerKind.PSYCHIATRIC),
    ("阜城派出所", PartnerKind.POLICE),
    ("阜城第一中学", PartnerKind.SCHOOL),
    ("阜城司法所（社区矫正）", PartnerKind.COMMUNITY_CORRECTION),
    ("区禁毒办（社区戒毒康复）", PartnerKind.DRUG_REHABILITATION),
    ("阜城街道民政办", PartnerKind.CIVIL_AFFAIRS),
]

GROUPS = [
    ("阳光家庭小组（离异家庭）", ServiceNeed.FAMILY_DIVORCE, "dongfeng", ["counselor", "volunteer"]),
    ("青苗成长小组（青少年）", ServiceNeed.YOUTH, "xinhua", ["counselor2", "volunteer2"]),
    ("同心守护小组（特殊人群）", ServiceNeed.SPECIAL_POPULATIONS, "guangming", ["counselor5", "counselor3"]),
    ("夕阳暖心小组（独居老人）", ServiceNeed.ELDERLY, "heping", ["counselor4", "volunteer"]),
]


def demo_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


# The apps' own demo seeds, run in this order after the organisation exists.
FEATURE_SEEDS = [
    "seed_appointments",
    "seed_community",
    "seed_cases",
    "seed_consult",
    "seed_dashboards",
    "seed_security",
]


class Command(BaseCommand):
    help = "Create the demo street center with 16 stations, staff, residents and partners (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    @transaction.atomic
    def handle(self, *args, **options):
        center, _ = Center.objects.get_or_create(
            code="fucheng",
            defaults={
                "name": "阜城街道心理健康服务中心",
                "address": "阜城街道人民路 88 号",
                "hotline": "028-8888-0000",
                "sms_signature": "阜城社区服务",
                "escalation_contact_name": "街道应急值班室",
                "escalation_contact_phone": "028-8888-0110",
                "escalation_contact_email": f"duty@{DEMO_DOMAIN}",
            },
        )
        stations = {}
        for number, (code, name) in enumerate(STATIONS, start=1):
            stations[code], _ = Station.objects.get_or_create(
                center=center,
                code=code,
                defaults={
                    "name": name,
                    "address": f"阜城街道{name[:2]}路 {number} 号",
                    "phone": f"028-8888-{1000 + number}",
                },
            )
        self._rooms(center, stations)
        for name, kind in PARTNERS:
            PartnerInstitution.objects.get_or_create(
                center=center, name=name, defaults={"kind": kind, "phone": "028-8000-0000"}
            )
        staff = {key: self._staff(center, stations, demo_email(key), *row) for key, *row in STAFF}
        # Staff are reached on their phones (a crisis alert's SMS, in the demo printed to var/log/): each demo
        # member has a confirmed mobile number, 1980000xxxx.
        for number, user in enumerate(staff.values(), start=1):
            if not user.phone:
                User.objects.filter(pk=user.pk).update(phone=f"1980000{number:04d}", phone_verified=True)
        # A second station for the first counselor: counselors may serve several.
        membership_grant(
            actor=None, user=staff["counselor"], center=center, role=Role.COUNSELOR, station=stations["heping"]
        )
        for name, need, station_code, members in GROUPS:
            group, created = ServiceGroup.objects.get_or_create(
                center=center, name=name, is_active=True, defaults={"need": need, "station": stations[station_code]}
            )
            if created:
                group.members.set([staff[key] for key in members])
        residents = self._residents(center, stations, staff["counselor"])
        self._administrators()
        self._duty_roster(center, staff)
        self._other_center()
        # Each app seeds its own part on top of the organisation; each command is idempotent.
        for command in FEATURE_SEEDS:
            call_command(command, stdout=self.stdout, verbosity=options.get("verbosity", 1))
        if not options["quiet_logins"]:
            self._print_logins(residents)

    def _rooms(self, center, stations):
        for name, kind in [
            ("个体咨询室", RoomKind.COUNSELING),
            ("沙盘室", RoomKind.SAND_PLAY),
            ("情绪宣泄室", RoomKind.EMOTIONAL_RELEASE),
            ("心理健康教育室", RoomKind.EDUCATION),
        ]:
            Room.objects.get_or_create(
                center=center,
                station=None,
                name=name,
                defaults={"kind": kind, "capacity": 12 if kind == RoomKind.EDUCATION else 2},
            )
        for station in stations.values():
            Room.objects.get_or_create(
                center=center, station=station, name="咨询室", defaults={"kind": RoomKind.COUNSELING}
            )

    def _staff(self, center, stations, email, last_name, first_name, display_name, role, station_code):
        station = stations[station_code] if station_code else None
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = staff_account_create(
                actor=None,
                center=center,
                role=role,
                email=email,
                display_name=display_name,
                first_name=first_name,
                last_name=last_name,
                station=station,
                password=DEMO_PASSWORD,
            )
        elif not Membership.objects.filter(user=user, center=center, role=role, station=station).exists():
            membership_grant(actor=None, user=user, center=center, role=role, station=station)
        return user

    def _administrators(self):
        for key, display_name, kind in ADMINISTRATORS:
            user = User.objects.filter(email__iexact=demo_email(key)).first()
            if user is None:
                user = User.objects.create_user(
                    username=key, email=demo_email(key), password=DEMO_PASSWORD, display_name=display_name
                )
                EmailAddress.objects.get_or_create(
                    user=user, email=user.email, defaults={"verified": True, "primary": True}
                )
            if not Administrator.objects.filter(user=user, is_active=True).exists():
                administrator_grant(actor=None, user=user, kind=kind)
            if not settings.PRODUCTION:  # the demo's public authenticator secret (seed_security), never in production
                demo_give_totp(user)

    def _residents(self, center, stations, counselor):
        result = []
        for key, name, phone, station_code, birth in RESIDENTS:
            resident = Resident.objects.filter(center=center, full_name=name, phone=phone).first()
            if resident is None:
                resident = Resident(
                    center=center, station=stations[station_code], full_name=name, phone=phone, birth_date=birth
                )
                if key:
                    # Demo residents stand for people who confirmed their number long ago.
                    user = User.objects.create_user(
                        username=f"resident-{key}",
                        email=demo_email(key),
                        password=DEMO_PASSWORD,
                        phone=phone,
                        phone_verified=True,
                    )
                    resident.user = user
                resident.full_clean()
                resident.save()
            result.append(resident)
        guardian = result[0]
        if not Resident.objects.filter(guardian=guardian).exists():
            resident_create_by_staff(
                actor=counselor,
                center=center,
                full_name="林小树",
                station=guardian.station,
                birth_date=dt.date(timezone.localdate().year - 10, 6, 1),
                guardian=guardian,
            )
        return result

    def _duty_roster(self, center, staff):
        """Fourteen days of 24-hour online/hotline duty in three shifts, plus on-site duty."""
        today = timezone.localdate()
        tz = timezone.get_current_timezone()
        rota = [staff["counselor3"], staff["counselor4"], staff["counselor"], staff["counselor2"], staff["counselor5"]]
        for day_offset in range(-1, 14):
            day = today + dt.timedelta(days=day_offset)
            for shift_number, start_hour in enumerate((0, 8, 16)):
                starts = dt.datetime.combine(day, dt.time(start_hour), tzinfo=tz)
                user = rota[(day_offset * 3 + shift_number) % len(rota)]
                DutyShift.objects.get_or_create(
                    center=center,
                    kind=ShiftKind.ONLINE_HOTLINE,
                    starts_at=starts,
                    defaults={"user": user, "ends_at": starts + dt.timedelta(hours=8), "is_crisis_team": True},
                )
            starts = dt.datetime.combine(day, dt.time(9), tzinfo=tz)
            DutyShift.objects.get_or_create(
                center=center,
                kind=ShiftKind.ONSITE,
                station=None,
                starts_at=starts,
                defaults={"user": staff["counselor4"], "ends_at": starts + dt.timedelta(hours=8)},
            )

    def _other_center(self):
        """A second, small center: its staff must never see the first one's data, and vice versa."""
        other, _ = Center.objects.get_or_create(
            code="nanhu", defaults={"name": "南湖街道心理健康服务中心", "hotline": "028-6666-0000"}
        )
        station, _ = Station.objects.get_or_create(
            center=other, code="nanhu-1", defaults={"name": "南湖一社区心理服务站"}
        )
        if not User.objects.filter(email__iexact=demo_email("nanhu-supervisor")).exists():
            staff_account_create(
                actor=None,
                center=other,
                role=Role.SUPERVISOR,
                email=demo_email("nanhu-supervisor"),
                display_name="南湖督导",
                password=DEMO_PASSWORD,
            )

    def _print_logins(self, residents):
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Demo sign-ins (password for all: {DEMO_PASSWORD}):"))
        rows = [("resident", "居民 resident")] + [
            (key, f"{dict(Role.choices)[role]}") for key, _l, _f, _d, role, _s in STAFF
        ]
        rows += [(key, str(kind.label)) for key, _d, kind in ADMINISTRATORS]
        for key, label in rows:
            self.stdout.write(f"  {demo_email(key):32} {label}")
        self.stdout.write(f"  {'13800000001':32} 居民 resident (sign in with the mobile number)")
        self.stdout.write(
            "Signing up a new resident: the demo sends no real text messages or emails. The SMS code"
            " (“验证码”) and the email confirmation link are written to the web server's log,"
            " var/log/web.log (lines starting “SMS to …”), and the code page says so too."
        )
