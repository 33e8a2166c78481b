"""Fill the database with a street- or district-size synthetic dataset for benchmarks.

    python manage.py seed_scale --preset street     # 300,000 residents, ~400,000 appointments, 40,000 cases
    python manage.py seed_scale --preset district   # 2.5M residents, ~3.4M appointments, 340,000 cases

Fixed random seed; COPY on PostgreSQL, batched bulk_create elsewhere; a progress bar per table and the
time taken at the end. Idempotent per preset: the preset's centers are its own (codes `scale-<preset>-NN`),
and a second run with the same preset stops at once. Staff accounts are `scale-<preset>-cNN-sNN-kN`
(counselors), `scale-<preset>-cNN-supervisor` and `-official`, all with the password of --password.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import Appointment, Slot
from cases.bulkload import load, next_id, reset_sequence
from cases.models import Case, CaseEvent
from centers.models import Center, Membership, Resident, Role, Station, User

SEED = 20261123
SESSION_HOURS = (9, 10, 11, 13, 14, 15, 16, 17)  # local start times of 50-minute sessions, weekdays


@dataclass(frozen=True)
class Preset:
    centers: int
    residents: int
    appointments: int
    cases: int
    stations_per_center: int = 16
    counselors_per_station: int = 7
    months: int = 24


PRESETS = {
    "street": Preset(centers=1, residents=300_000, appointments=400_000, cases=40_000),
    "district": Preset(centers=8, residents=2_500_000, appointments=3_400_000, cases=340_000),
    # A small one for tests of this command.
    "tiny": Preset(
        centers=1, residents=600, appointments=800, cases=80, stations_per_center=2, counselors_per_station=2, months=2
    ),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


class Command(BaseCommand):
    help = "Load a street- or district-size synthetic dataset (COPY on PostgreSQL) and report the time taken."

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), required=True)
        parser.add_argument("--password", default="scale-bench-2026", help="password of the generated staff")

    def handle(self, *args, preset: str, password: str, **options):
        spec = PRESETS[preset]
        prefix = f"scale-{preset}"
        if Center.objects.filter(code__startswith=f"{prefix}-").exists():
            self.stdout.write(f"{preset}: already loaded (centers {prefix}-*); nothing to do")
            return
        if timezone.get_current_timezone_name() is None:
            raise CommandError("TIME_ZONE must be set")
        started = time.monotonic()
        rng = random.Random(SEED)
        counts = {}
        with transaction.atomic():
            org = self._organisation(spec, prefix, password)
            counts["residents"] = self._residents(spec, org, rng)
            counts["slots"], counts["appointments"] = self._appointments(spec, org, rng)
            counts["cases"], counts["case events"] = self._cases(spec, org, rng)
            for model in (Resident, Slot, Appointment, Case, CaseEvent, Case.counselors.through):
                reset_sequence(model)
        if connection.vendor == "postgresql":
            # What PostgreSQL's manual advises after a bulk load, as a database that has been running a while
            # has it: fresh planner statistics (without them the first queries plan for the empty tables of
            # before) and the visibility map (without it every index-only scan, such as the free-time check or
            # the case queue's visible set, also reads each table row until autovacuum comes by). Outside the
            # load's transaction: VACUUM cannot run inside one.
            with connection.cursor() as cursor:
                for model in (Resident, Slot, Appointment, Case, CaseEvent, Case.counselors.through):
                    cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"seed_scale --preset {preset}: {summary} in {elapsed:.1f} s"))

    # --- organisation ------------------------------------------------------------------------------

    def _organisation(self, spec: Preset, prefix: str, password: str) -> list[dict]:
        """Centers, stations, counselors (one station each), a supervisor and an official per center."""
        hashed = make_password(password)
        org = []
        for c in range(spec.centers):
            center = Center.objects.create(
                code=f"{prefix}-{c:02d}", name=f"规模测试街道心理健康服务中心 {c + 1}", hotline="028-8888-0000"
            )
            stations = Station.objects.bulk_create(
                Station(center=center, code=f"s{s:02d}", name=f"规模测试社区心理服务站 {c + 1}-{s + 1}")
                for s in range(spec.stations_per_center)
            )
            counselors = []
            for station in stations:
                for k in range(spec.counselors_per_station):
                    counselors.append(
                        (
                            station,
                            User(
                                username=f"{prefix}-c{c:02d}-{station.code}-k{k}",
                                display_name=f"{station.code}-{k}号老师",
                                password=hashed,
                            ),
                        )
                    )
            User.objects.bulk_create([u for _, u in counselors])
            users = {u.username: u for u in User.objects.filter(username__startswith=f"{prefix}-c{c:02d}-")}
            staff = [(station, users[u.username]) for station, u in counselors]
            boss = User.objects.create(username=f"{prefix}-c{c:02d}-supervisor", display_name="督导", password=hashed)
            official = User.objects.create(username=f"{prefix}-c{c:02d}-official", display_name="街道", password=hashed)
            Membership.objects.bulk_create(
                [Membership(user=u, center=center, station=st, role=Role.COUNSELOR) for st, u in staff]
                + [
                    Membership(user=boss, center=center, role=Role.SUPERVISOR),
                    Membership(user=official, center=center, role=Role.OFFICIAL),
                ]
            )
            org.append({"center": center, "stations": stations, "counselors": staff})
        return org

    # --- residents -----------------------------------------------------------------------------------

    def _residents(self, spec: Preset, org: list[dict], rng: random.Random) -> int:
        per_center = spec.residents // spec.centers
        first = next_id(Resident)
        now = timezone.now()

        def rows():
            pk = first
            for entry in org:
                entry["resident_ids"] = (pk, pk + per_center)
                stations = entry["stations"]
                for i in range(per_center):
                    yield {
                        "id": pk,
                        "center_id": entry["center"].pk,
                        "station_id": stations[i % len(stations)].pk,
                        "full_name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                        "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                        "birth_date": dt.date(1940 + rng.randrange(75), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                        "gender": rng.choice(("female", "male", "")),
                        "created_at": now - dt.timedelta(days=rng.randrange(900)),
                    }
                    pk += 1

        return load(Resident, rows(), total=per_center * spec.centers, label="residents")

    # --- slots and appointments ------------------------------------------------------------------------

    def _session_starts(self, spec: Preset) -> tuple[list[dt.datetime], int]:
        """Every weekday session start over the months, ending four weeks ahead; and how many are past."""
        tz = timezone.get_current_timezone()
        today = timezone.localdate()
        first_day = today - dt.timedelta(days=round(spec.months * 30.4) - 28)
        starts = []
        day = first_day
        while day <= today + dt.timedelta(days=28):
            if day.weekday() < 5:
                starts += [dt.datetime(day.year, day.month, day.day, h, tzinfo=tz) for h in SESSION_HOURS]
            day += dt.timedelta(days=1)
        now = timezone.now()
        return starts, sum(1 for s in starts if s < now)

    def _appointments(self, spec: Preset, org: list[dict], rng: random.Random) -> tuple[int, int]:
        starts, past = self._session_starts(spec)
        counselors = sum(len(e["counselors"]) for e in org)
        future = len(starts) - past
        future_share = 0.4
        past_share = min(1.0, (spec.appointments / counselors - future * future_share) / past)
        slot_first, appt_first = next_id(Slot), next_id(Appointment)
        slot_rows: list[dict] = []
        total_slots = counselors * len(starts)
        # Slots first (appointments point at them); the plan is drawn once so both loads agree.
        plan = []  # (slot id, center, station, counselor, start, resident, status)
        slot_id = slot_first
        for entry in org:
            low, high = entry["resident_ids"]
            span = high - low
            n = len(entry["counselors"])
            stride = max(1, span // n)
            for index, start in enumerate(starts):
                base = rng.randrange(span)
                is_past = index < past
                for k, (station, user) in enumerate(entry["counselors"]):
                    booked = rng.random() < (past_share if is_past else future_share)
                    resident = low + (base + k * stride) % span if booked else None
                    plan.append((slot_id, entry["center"].pk, station.pk, user.pk, start, resident, is_past))
                    slot_id += 1
        del slot_rows

        def slots():
            for sid, center, station, user, start, _resident, _past in plan:
                yield {
                    "id": sid,
                    "center_id": center,
                    "station_id": station,
                    "counselor_id": user,
                    "place": "station",
                    "service": "face_to_face",
                    "starts_at": start,
                    "ends_at": start + dt.timedelta(minutes=50),
                    "status": "open",
                }

        n_slots = load(Slot, slots(), total=total_slots, label="slots")
        booked_total = sum(1 for p in plan if p[5] is not None)

        def appointments():
            pk = appt_first
            for sid, center, station, user, start, resident, is_past in plan:
                if resident is None:
                    continue
                end = start + dt.timedelta(minutes=50)
                status, roll = "booked", rng.random()
                if is_past:
                    status = "completed" if roll < 0.85 else ("no_show" if roll < 0.9 else "cancelled")
                yield {
                    "id": pk,
                    "slot_id": sid,
                    "center_id": center,
                    "station_id": station,
                    "counselor_id": user,
                    "resident_id": resident,
                    "service": "face_to_face",
                    "place": "station",
                    "starts_at": start,
                    "ends_at": end,
                    "status": status,
                    "channel": "online",
                    "booked_at": start - dt.timedelta(days=1 + rng.randrange(14)),
                    "completed_at": end if status == "completed" else None,
                    "cancelled_at": start - dt.timedelta(hours=30) if status == "cancelled" else None,
                }
                pk += 1

        n_appts = load(Appointment, appointments(), total=booked_total, label="appointments")
        return n_slots, n_appts

    # --- cases -----------------------------------------------------------------------------------------

    def _cases(self, spec: Preset, org: list[dict], rng: random.Random) -> tuple[int, int]:
        per_center = spec.cases // spec.centers
        case_first, event_first = next_id(Case), next_id(CaseEvent)
        now = timezone.now()
        plan = []  # (case id, center, station, resident, counselor, tier, stage, opened, closed)
        pk = case_first
        for entry in org:
            low, high = entry["resident_ids"]
            residents = rng.sample(range(low, high), per_center)
            by_station: dict[int, list[int]] = {}
            for station, user in entry["counselors"]:
                by_station.setdefault(station.pk, []).append(user.pk)
            stations = entry["stations"]
            for i, resident in enumerate(residents):
                station = stations[(resident - low) % len(stations)].pk
                roll = rng.random()
                tier = 3 if roll < 0.08 else (2 if roll < 0.3 else 1)
                opened = now - dt.timedelta(days=rng.randrange(spec.months * 30), minutes=rng.randrange(1440))
                closed_roll = rng.random()
                stage = (
                    "closed"
                    if closed_roll < 0.6
                    else rng.choice(("relieve", "assess", "dispatch", "intervene", "follow_up"))
                )
                closed = min(now, opened + dt.timedelta(days=20 + rng.randrange(120))) if stage == "closed" else None
                plan.append(
                    (
                        pk,
                        entry["center"].pk,
                        station,
                        resident,
                        rng.choice(by_station[station]),
                        tier,
                        stage,
                        opened,
                        closed,
                        i,
                    )
                )
                pk += 1

        def cases():
            for cid, center, station, resident, _user, tier, stage, opened, closed, _i in plan:
                yield {
                    "id": cid,
                    "center_id": center,
                    "station_id": station,
                    "resident_id": resident,
                    "channel": "online_booking",
                    "source": "",
                    "summary": "",
                    "tier": tier,
                    "opened_tier": tier,
                    "stage": stage,
                    "crisis_phase": "after" if stage == "closed" else "before",
                    "special_tags": [],
                    "opened_at": opened,
                    "assigned_at": opened + dt.timedelta(hours=2),
                    "first_contact_at": opened + dt.timedelta(hours=3),
                    "ever_high_risk": tier == 3,
                    "closed_at": closed,
                    "updated_at": closed or opened,
                }

        n_cases = load(Case, cases(), total=len(plan), label="cases")
        through = Case.counselors.through
        load(
            through,
            ({"case_id": p[0], "user_id": p[4]} for p in plan),
            total=len(plan),
            label="case counselors",
            with_pk=False,
        )

        def events():
            epk = event_first
            flow = ("relieve", "assess", "dispatch", "intervene", "follow_up", "closed")
            for cid, _c, _s, _r, user, tier, stage, opened, closed, _i in plan:
                yield {
                    "id": epk,
                    "case_id": cid,
                    "at": opened,
                    "actor_id": None,
                    "kind": "opened",
                    "to_value": "relieve",
                }
                yield {"id": epk + 1, "case_id": cid, "at": opened, "kind": "tier", "to_value": str(tier)}
                yield {
                    "id": epk + 2,
                    "case_id": cid,
                    "at": opened + dt.timedelta(hours=2),
                    "actor_id": user,
                    "kind": "assigned",
                    "to_value": str(user),
                }
                epk += 3
                last = flow.index(stage)
                for step in range(1, last + 1):
                    at = closed if flow[step] == "closed" else opened + dt.timedelta(days=step * 3)
                    yield {
                        "id": epk,
                        "case_id": cid,
                        "at": at,
                        "actor_id": user,
                        "kind": "closed" if flow[step] == "closed" else "stage",
                        "from_value": flow[step - 1],
                        "to_value": flow[step],
                    }
                    epk += 1

        expected = sum(
            3 + ("relieve", "assess", "dispatch", "intervene", "follow_up", "closed").index(p[6]) for p in plan
        )
        n_events = load(CaseEvent, events(), total=expected, label="case events")
        return n_cases, n_events
