"""Demo data for the officials' dashboards, run after seed_demo (and the other seeds).

A year of plausible history in summary form (monthly person-times, residents, crisis events; weekly tiers),
loaded as the street's earlier statistics; then the recent weeks and months are computed from the real
demo data through the hooks, the quarters before last are loaded as earlier evaluations, and last
quarter's evaluation is scored and published by the demo supervisor. Fixed random seeds: running it twice
changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from centers.infra.dates import add_months, week_start
from centers.models import Center, Station, User
from centers.reporting.evaluations import services as esvc
from centers.reporting.evaluations.figures import previous_quarter, quarter_of
from centers.reporting.evaluations.models import EvaluationCriterion, StationEvaluation
from centers.reporting.statistics import services as svc

DEMO_DOMAIN = "demo.fucheng.cn"
SEED = 2026
# Stations whose curve has a spike the demo can point at (weeks ago, extra serious cases).
SPIKES = {"dongfeng": (6, 9), "xinhua": (19, 8), "guangming": (31, 10)}


def _rng(*parts) -> random.Random:
    return random.Random(f"{SEED}:" + ":".join(str(p) for p in parts))


def _size(station: Station) -> float:
    """A station's size relative to the others (fixed per station code)."""
    return 0.6 + _rng("size", station.code).random() * 0.9


def _season(month: int) -> float:
    """More people come in spring and autumn (exam seasons, the new school year), fewer at Spring Festival."""
    return {1: 0.8, 2: 0.65, 3: 1.05, 4: 1.1, 5: 1.15, 6: 1.2, 7: 0.9, 8: 0.85, 9: 1.15, 10: 1.0, 11: 1.05, 12: 0.95}[
        month
    ]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Command(BaseCommand):
    help = "Load a year of dashboard history, compute the summaries and publish last quarter's evaluations."

    @transaction.atomic
    def handle(self, *args, **options):
        center = Center.objects.filter(code="fucheng").first()
        supervisor = User.objects.filter(email__iexact=f"supervisor@{DEMO_DOMAIN}").first()
        if center is None or supervisor is None:
            raise CommandError("Run seed_demo first: the demo center and its supervisor are missing.")
        stations = list(Station.objects.filter(center=center, is_active=True).order_by("pk"))
        today = timezone.localdate()
        this_month, this_week = today.replace(day=1), week_start(today)
        history_months = [add_months(this_month, -n) for n in range(12, 0, -1)]

        # History up to last month and last week; this month and this week come from the real demo records.
        services, people = self._months(stations, history_months)
        weeks = self._weeks(stations, today, this_week)
        written = svc.summary_history_load(center=center, services=services, stations=people, weeks=weeks)
        written += svc.summaries_refresh(center=center, since=this_month, weeks_since=this_week)

        published = self._evaluations(center, supervisor, stations, services, people, today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Dashboards: {written} summary rows, {published} evaluations published "
                f"(officials: official@{DEMO_DOMAIN}; supervisor: supervisor@{DEMO_DOMAIN})."
            )
        )

    # --- history in summary form ---------------------------------------------------------------------

    def _months(self, stations, history_months) -> tuple[list[dict], list[dict]]:
        services, people = [], []
        for station in stations:
            size = _size(station)
            for month in history_months:
                rng = _rng("month", station.code, month)
                level = size * _season(month.month)
                counts = {
                    "face_to_face": round(rng.gauss(26, 4) * level),
                    "phone": round(rng.gauss(12, 3) * level),
                    "home_visit": max(0, round(rng.gauss(3, 1.5) * level)),
                    "workshop": round(rng.gauss(18, 6) * level) if rng.random() < 0.7 else 0,
                }
                for service, n in counts.items():
                    if n > 0:
                        services.append(
                            {"station_id": station.pk, "month": month, "service": service, "person_times": n}
                        )
                sessions = counts["face_to_face"] + counts["phone"] + counts["home_visit"]
                events = _poisson(rng, 0.6 * size)
                people.append(
                    {
                        "station_id": station.pk,
                        "month": month,
                        "residents": round(sessions * rng.uniform(0.55, 0.75)),
                        "events": events,
                        "handled": events,
                    }
                )
        return services, people

    def _weeks(self, stations, today, weeks_from) -> list[dict]:
        rows = []
        first = week_start(today) - dt.timedelta(weeks=64)
        week = first
        while week < weeks_from:
            weeks_ago = (week_start(today) - week).days // 7
            for station in stations:
                rng = _rng("week", station.code, week)
                size = _size(station)
                season = _season(week.month)
                serious = _poisson(rng, 0.7 * size * season)
                spike = SPIKES.get(station.code)
                if spike and spike[0] == weeks_ago:
                    serious += spike[1]
                rows.append(
                    {
                        "station_id": station.pk,
                        "week_start": week,
                        "general": _poisson(rng, 1.6 * size * season),
                        "serious": serious,
                        "high_risk": _poisson(rng, 0.15 * size),
                        "new_alerts": _poisson(rng, 0.15 * size),
                    }
                )
            week += dt.timedelta(weeks=1)
        return rows

    # --- evaluations -----------------------------------------------------------------------------------

    def _figures(self, station, quarter_months, services, people, rng) -> dict:
        def total(rows, key, **match):
            return sum(
                r[key]
                for r in rows
                if r["station_id"] == station.pk
                and r["month"] in quarter_months
                and all(r.get(k) == v for k, v in match.items())
            )

        face, phone, home = (
            total(services, "person_times", service=s) for s in ("face_to_face", "phone", "home_visit")
        )
        sessions = face + phone + home
        workshop_people = total(services, "person_times", service="workshop")
        alerts = total(people, "events")
        due = round(sessions * rng.uniform(0.25, 0.4))
        return {
            "appointments_person_times_face_to_face": face,
            "appointments_person_times_phone": phone,
            "appointments_person_times_home_visit": home,
            "person_times_total": sessions,
            "appointments_residents_served": total(people, "residents"),
            "appointments_sessions_completed": sessions,
            "appointments_no_shows": round(sessions * rng.uniform(0.03, 0.12)),
            "appointments_no_show_rate": round(rng.uniform(0.03, 0.12), 3),
            "appointments_median_wait_hours": round(rng.uniform(20, 96), 1),
            "appointments_satisfaction_mean": round(rng.uniform(4.1, 4.9), 2),
            "crisis_alerts": alerts,
            "crisis_alerts_acknowledged_in_time_share": round(rng.uniform(0.8, 1.0), 3) if alerts else None,
            "follow_ups_due": due,
            "follow_ups_done_on_time": round(due * rng.uniform(0.75, 0.98)),
            "follow_ups_on_time_share": None,
            "referrals_sent": _poisson(rng, 2.0),
            "referrals_completed": _poisson(rng, 1.5),
            "workshops_held": max(1, round(workshop_people / 15)) if workshop_people else 0,
            "workshop_participants": workshop_people,
            "volunteer_hours": round(rng.uniform(20, 90), 1),
        }

    def _evaluations(self, center, supervisor, stations, services, people, today) -> int:
        esvc.criteria_ensure_defaults(center=center)
        criteria = list(EvaluationCriterion.objects.filter(center=center, is_active=True).order_by("position"))
        last = previous_quarter(*quarter_of(today))
        before = previous_quarter(*last)
        count = 0
        for year, quarter in (before, last):
            start_month = dt.date(year, 3 * (quarter - 1) + 1, 1)
            quarter_months = {add_months(start_month, n) for n in range(3)}
            for station in stations:
                rng = _rng("evaluation", station.code, year, quarter)
                figures = self._figures(station, quarter_months, services, people, rng)
                due = figures["follow_ups_due"]
                figures["follow_ups_on_time_share"] = (
                    round(figures["follow_ups_done_on_time"] / due, 3) if due else None
                )
                quality = 5.5 + _size(station) * 2.2
                scores = {
                    c.code: Decimal(str(min(c.max_score, max(0, round(rng.gauss(quality, 1.0) * 2) / 2))))
                    for c in criteria
                }
                evaluation = StationEvaluation.objects.filter(station=station, year=year, quarter=quarter).first()
                if evaluation is not None and evaluation.is_published:
                    continue
                esvc.evaluation_import(
                    station=station,
                    year=year,
                    quarter=quarter,
                    figures=figures,
                    scores=scores,
                    actor=supervisor,
                    summary="季度服务量稳定，危机个案均按时响应。" if rng.random() < 0.5 else "",
                )
                count += 1
        return count
