"""Demo cases on top of seed_demo: every tier and stage, an open crisis alert, referrals, follow-ups,
consultations and screenings over eight weeks. Safe to run twice: a person who already has a case is left alone.

Everything goes through cases.services, as a counselor would do it; only the dates of past events are
moved back afterwards (the services stamp "now"), so the demo has a history.
"""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases.follow_ups.models import FollowUp
from cases.models import Case, CaseEvent, Channel, Stage, Tier
from cases.safety.services import emergency_contact_add, safety_plan_save
from cases.screenings.models import Screening
from cases.services import alerts as alert_services
from cases.services import closure as closure_services
from cases.services import consultations as consultation_services
from cases.services import follow_ups as follow_up_services
from cases.services import intake as intake_services
from cases.services import notes as note_services
from cases.services import referrals as referral_services
from cases.services import screenings as screening_services
from cases.services import series as series_services
from cases.services import tiers as tier_services
from cases.services import workflow as workflow_services
from centers.infra.dates import week_start
from centers.models import Center, PartnerInstitution, Resident, Station, User
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from centers.services import resident_create_by_staff

DOMAIN = "demo.fucheng.cn"
SEED = 20261123

# (name, phone, station code, birth year, channel, target tier, target stage, tags)
PEOPLE = [
    ("黄海", "13800000002", "xinhua", 1978, Channel.ONLINE_BOOKING, Tier.SERIOUS, Stage.ASSESS, []),
    (
        "何秀英",
        "13800000003",
        "dongfeng",
        1948,
        Channel.STATION_REPORT,
        Tier.GENERAL,
        Stage.FOLLOW_UP,
        ["elderly_alone"],
    ),
    (
        "罗志刚",
        "13800000004",
        "guangming",
        1985,
        Channel.PARTNER_REFERRAL,
        Tier.SERIOUS,
        Stage.INTERVENE,
        ["community_correction"],
    ),
    ("高俊", "13800000005", "heping", 2001, Channel.WALK_IN, Tier.GENERAL, Stage.CLOSED, ["migrant_worker"]),
    ("周建国", "13800000011", "dongfeng", 1969, Channel.HOTLINE, Tier.HIGH_RISK, Stage.FOLLOW_UP, []),
    ("吴敏", "13800000012", "xinhua", 1994, Channel.HOTLINE, Tier.GENERAL, Stage.RELIEVE, []),
    ("郑丽", "13800000013", "guangming", 1988, Channel.WALK_IN, Tier.HIGH_RISK, Stage.CLOSED, []),
    ("孙磊", "13800000014", "heping", 1990, Channel.STATION_REPORT, Tier.GENERAL, Stage.DISPATCH, ["migrant_worker"]),
    (
        "钱芳",
        "13800000015",
        "dongfeng",
        1975,
        Channel.SCREENING,
        Tier.SERIOUS,
        Stage.FOLLOW_UP,
        ["drug_rehabilitation"],
    ),
    ("冯晓", "13800000016", "jianshe", 2012, Channel.STATION_REPORT, Tier.SERIOUS, Stage.DISPATCH, ["minor"]),
]
PATH = [Stage.ASSESS, Stage.DISPATCH, Stage.INTERVENE, Stage.FOLLOW_UP]


def _user(key: str) -> User:
    user = User.objects.filter(email__iexact=f"{key}@{DOMAIN}").first()
    if user is None:
        raise CommandError("Run seed_demo first: the demo staff are missing.")
    return user


class Command(BaseCommand):
    help = "Create demo cases (run after seed_demo; idempotent, fixed random seed)."

    @transaction.atomic
    def handle(self, *args, **options):
        rng = random.Random(SEED)
        center = Center.objects.filter(code="fucheng").first()
        if center is None:
            raise CommandError("Run seed_demo first: the demo center is missing.")
        stations = {s.code: s for s in Station.objects.filter(center=center)}
        staff = {
            k: _user(k)
            for k in ("counselor", "counselor2", "counselor3", "counselor5", "supervisor", "expert", "volunteer")
        }
        by_station = {"dongfeng": "counselor", "heping": "counselor", "xinhua": "counselor2", "guangming": "counselor5"}
        created = 0
        for name, phone, code, year, channel, tier, stage, tags in PEOPLE:
            person = Resident.objects.filter(center=center, full_name=name, phone=phone).first()
            counselor = staff[by_station.get(code, "counselor3")]
            if person is None:
                person = resident_create_by_staff(
                    actor=counselor,
                    center=center,
                    full_name=name,
                    phone=phone,
                    station=stations[code],
                    birth_date=dt.date(year, 3, 1),
                )
            if Case.objects.filter(resident=person).exists():
                continue
            self._case(rng, center, person, counselor, staff, channel, tier, stage, tags)
            created += 1
        created += self._crisis_demo(center, staff)
        self._history(rng, center, stations, staff)
        today = timezone.localdate()
        for weeks in range(8, -1, -1):
            series_services.weekly_series_compute(week_start=week_start(today - dt.timedelta(weeks=weeks)))
        self.stdout.write(self.style.SUCCESS(f"Demo cases ready ({created} new)."))

    def _case(self, rng, center, person, counselor, staff, channel, tier, stage, tags):
        days_ago = rng.randint(10, 40)
        case, _ = intake_services.case_intake(
            resident=person,
            center=center,
            channel=channel,
            source="演示数据",
            actor=counselor,
            summary="近期情绪低落，睡眠差，工作压力大。",
        )
        consent_give(resident=person, purpose=ConsentPurpose.CASE_RECORD, actor=counselor)
        # The supervisor assigns: a counselor without a station works only the center's serious queue.
        workflow_services.case_assign(case=case, counselor=counselor, actor=staff["supervisor"])
        screening_services.screening_submit(
            resident=person,
            instrument="phq9",
            actor=counselor,
            case=case,
            answers=_phq9(rng, 16 if tier >= Tier.SERIOUS else 7, item9=0),
        )
        if tags:
            workflow_services.case_set_tags(case=case, tags=tags, actor=counselor)
        case.refresh_from_db()
        if tier > case.tier:
            tier_services.case_set_tier(case=case, tier=tier, actor=counselor, reason="演示：咨询师评估")
        case.refresh_from_db()
        for alert in case.alerts.filter(acknowledged_at__isnull=True):
            alert_services.alert_acknowledge(alert=alert, actor=counselor)
            alert_services.alert_record_contact(alert=alert, actor=counselor, reason="电话联系，已确认安全")
        target = PATH if stage == Stage.CLOSED else PATH[: PATH.index(stage) + 1] if stage in PATH else []
        for step in target:
            case = workflow_services.case_transition(case=case, to_stage=step, actor=counselor, reason="演示流程")
        note_services.note_add(case=case, actor=counselor, body="首次会谈：建立关系，评估支持系统。")
        if stage in (Stage.INTERVENE, Stage.FOLLOW_UP, Stage.CLOSED) and tier >= Tier.SERIOUS:
            partner = PartnerInstitution.objects.filter(center=center, kind="psychiatric").first()
            if partner:
                referral = referral_services.referral_create(
                    case=case, partner=partner, basis="consent", reason="请评估是否需要药物治疗", actor=counselor
                )
                referral_services.referral_update(
                    referral=referral, actor=counselor, status="accepted", feedback="已接诊，两周后复诊。"
                )
        if tier == Tier.HIGH_RISK:
            consultation = consultation_services.consultation_request(
                case=case, expert=staff["expert"], question="请评估自杀风险与干预方案", actor=counselor
            )
            consultation_services.consultation_advise(
                consultation=consultation, advice="建议每周随访，联合家属建立安全计划。", actor=staff["expert"]
            )
        if tier == Tier.HIGH_RISK:
            safety_plan_save(
                case=case,
                actor=counselor,
                steps={
                    "warning_signs": "连续失眠，觉得自己是家人的负担",
                    "coping": "听收音机里的戏曲，下楼散步",
                    "distraction": "去社区活动室下棋",
                    "help_people": "女儿；老同事",
                    "professionals": "责任咨询师；中心24小时热线；12356；危险时110/120",
                    "safe_environment": "家中药品交给女儿保管",
                },
                written_with_person=True,
            )
            emergency_contact_add(
                case=case, actor=counselor, name="演示家属", relation="女儿", phone="13800009999", basis="consent"
            )
        if tier == Tier.GENERAL and stage == Stage.FOLLOW_UP:
            follow_up = FollowUp.objects.open().filter(case=case).first()
            if follow_up:
                follow_up_services.follow_up_assign(follow_up=follow_up, assignee=staff["volunteer"], actor=counselor)
        if tier == Tier.SERIOUS and stage == Stage.FOLLOW_UP:
            FollowUp.objects.open().filter(case=case).update(due_at=timezone.now() - dt.timedelta(days=2))
        if stage == Stage.CLOSED or (tier == Tier.HIGH_RISK and stage == Stage.FOLLOW_UP):
            if case.tier == Tier.HIGH_RISK:
                # Four eyes: the counselor proposes leaving high-risk, the supervisor confirms.
                tier_services.case_set_tier(case=case, tier=Tier.SERIOUS, actor=counselor, reason="演示：危机已解除")
                tier_services.case_confirm_tier(case=case, actor=staff["supervisor"], approve=True, reason="同意")
                case.refresh_from_db()
            closure_services.reassessment_record(
                case=case,
                actor=counselor,
                judged_tier=Tier.GENERAL,
                rationale="情绪稳定，社会支持良好。",
                functioning_improved=True,
                supports_in_place=True,
            )
            case = closure_services.case_close(case=case, actor=counselor, summary="咨询目标达成，转入常规随访。")
            if stage == Stage.CLOSED and case.stage != Stage.CLOSED:
                closure_services.case_sign_off(case=case, actor=staff["supervisor"])
        # Give the case a history: move its timestamps back.
        shift = dt.timedelta(days=days_ago)
        Case.objects.filter(pk=case.pk).update(opened_at=case.opened_at - shift)
        for event in CaseEvent.objects.filter(case=case, kind="opened"):
            CaseEvent.objects.filter(pk=event.pk).update(at=event.at - shift)

    def _crisis_demo(self, center, staff) -> int:
        """林小雨's self-check with acute answers: an open, unacknowledged crisis alert."""
        resident = Resident.objects.filter(center=center, phone="13800000001").first()
        if resident is None or resident.user is None or Case.objects.filter(resident=resident).exists():
            return 0
        consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=resident.user)
        screening_services.screening_submit(
            resident=resident,
            instrument="asq",
            actor=resident.user,
            answers={"q1": 1, "q2": 1, "q3": 1, "q4": 0, "q5": 1},
        )
        return 1

    def _history(self, rng, center, stations, staff):
        """Eight weeks of PHQ-9 entries at four stations, for the early-warning curve."""
        for index, code in enumerate(("dongfeng", "xinhua", "guangming", "heping"), start=1):
            station = stations[code]
            if Screening.objects.filter(station=station, self_reported=False, case__source="历史筛查").exists():
                continue
            counselor = (
                staff["counselor"]
                if code in ("dongfeng", "heping")
                else staff["counselor2"]
                if code == "xinhua"
                else staff["counselor5"]
            )
            for number in range(6):
                person = Resident.objects.filter(center=center, full_name=f"{station.name[:2]}居民{number + 1}").first()
                if person is None:
                    person = resident_create_by_staff(
                        actor=counselor,
                        center=center,
                        full_name=f"{station.name[:2]}居民{number + 1}",
                        station=station,
                        # 11 digits whatever the station's id (a long id used to cut two numbers to one)
                        phone=f"1370{index:03d}{number:04d}",
                    )
                case, _ = intake_services.case_intake(
                    resident=person, center=center, channel=Channel.STATION_REPORT, source="历史筛查", actor=counselor
                )
                for weeks_ago in range(8, 0, -1):
                    drift = 3 if code == "guangming" else 0  # one community's curve rises
                    total = max(0, min(23, rng.randint(2, 11) + drift * (8 - weeks_ago) // 3))
                    screening_services.screening_submit(
                        resident=person,
                        instrument="phq9",
                        actor=counselor,
                        case=case,
                        answers=_phq9(rng, total, item9=0),
                        taken_at=timezone.now() - dt.timedelta(weeks=weeks_ago, hours=rng.randint(0, 72)),
                    )


def _phq9(rng, total: int, item9: int = 0) -> dict:
    answers = {f"q{i}": 0 for i in range(1, 10)}
    answers["q9"] = item9
    rest = total - item9
    keys = [f"q{i}" for i in range(1, 9)]
    while rest > 0:
        key = rng.choice(keys)
        if answers[key] < 3:
            answers[key] += 1
            rest -= 1
    return answers
