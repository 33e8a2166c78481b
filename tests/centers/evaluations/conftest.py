"""Fixtures for the station evaluations and the officials' dashboards."""

from __future__ import annotations

from decimal import Decimal

import pytest

from centers import hooks
from centers.reporting.evaluations import services as svc
from centers.reporting.evaluations.models import EvaluationCriterion

FIGURES = {
    "appointments_person_times_face_to_face": 40,
    "appointments_person_times_phone": 12,
    "appointments_person_times_home_visit": 3,
    "appointments_residents_served": 31,
    "appointments_sessions_completed": 55,
    "appointments_no_show_rate": 0.08,
    "appointments_median_wait_hours": 50.5,
    "appointments_satisfaction_mean": 4.6,
    "crisis_alerts": 2,
    "crisis_alerts_acknowledged_in_time_share": 1.0,
    "follow_ups_due": 20,
    "follow_ups_done_on_time": 18,
    "referrals_completed": 6,
    "workshops_held": 3,
    "workshop_participants": 45,
    "volunteer_hours": Decimal("36.5"),
}


@pytest.fixture(autouse=True)
def _english(english):
    """Assert on the English msgids: they do not change when the Chinese catalogue is filled."""


@pytest.fixture
def fixed_figures(monkeypatch):
    """The `station_figures` hook answers FIGURES (a copy per station, so tests can vary them)."""
    answers: dict[int, dict] = {}

    def collect_dict(point, *, station, start, end):
        assert point == "station_figures"
        return dict(answers.get(station.pk, FIGURES))

    monkeypatch.setattr(hooks, "collect_dict", collect_dict)
    return answers


def score_all(evaluation, supervisor, value):
    criteria = EvaluationCriterion.objects.filter(center=evaluation.center, is_active=True)
    return svc.evaluation_score(
        evaluation=evaluation, actor=supervisor, scores={c.pk: Decimal(value) for c in criteria}
    )
