"""Reads of the station evaluations, scoped to the user: supervisors see their center's drafts and
published ones; officials (and supervisors on the officials' pages) see published ones only."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from centers import hooks
from centers.models import Center, Role, Station, User
from centers.policies import center_ids_for, supervised_center_ids
from centers.reporting.disclosure import HIDDEN, SHOWN, equation, shown, suppress_cells
from centers.reporting.evaluations.figures import (
    FIGURES,
    Figure,
    display,
    jsonable,
    previous_quarter,
    quarter_bounds,
)
from centers.reporting.evaluations.models import (
    CriterionScore,
    EvaluationCriterion,
    EvaluationStatus,
    StationEvaluation,
)

OFFICIAL_ROLES = (Role.OFFICIAL, Role.SUPERVISOR)

# Who the reads are asked about: a signed-in user, or a visitor (who sees nothing).
Person = User | AnonymousUser


def dashboard_center_ids(user: Person) -> set[int]:
    """The centers whose dashboards the user may read (officials and supervisors)."""
    return center_ids_for(user, OFFICIAL_ROLES)


def dashboard_center(user: Person, center_id: str | int | None = None) -> Center | None:
    """The center a dashboard page shows: the one asked for if the user may see it, else their first."""
    ids = dashboard_center_ids(user)
    if not ids:
        return None
    try:
        wanted = int(center_id) if center_id else None
    except (TypeError, ValueError):
        wanted = None
    pk = wanted if wanted in ids else min(ids)
    return Center.objects.get(pk=pk)


def figures_compute(*, station: Station, year: int, quarter: int) -> dict[str, Any]:
    """Ask every `station_figures` provider for the quarter and add the derived figures."""
    start, end = quarter_bounds(year, quarter)
    figures = {
        key: jsonable(value)
        for key, value in hooks.collect_dict("station_figures", station=station, start=start, end=end).items()
    }
    figures["person_times_total"] = sum(
        int(figures.get(key) or 0)  # type: ignore[call-overload]  # counts from the providers
        for key in (
            "appointments_person_times_face_to_face",
            "appointments_person_times_phone",
            "appointments_person_times_home_visit",
        )
    )
    due = figures.get("follow_ups_due") or 0
    done = figures.get("follow_ups_done_on_time") or 0
    figures["follow_ups_on_time_share"] = round(done / due, 3) if due else None  # type: ignore[operator]  # counts
    return figures


def evaluations_for_supervisor(*, user: Person, center: Center) -> QuerySet[StationEvaluation]:
    """A supervisor's evaluations of the center, latest quarter first (none for anyone else)."""
    if center.pk not in supervised_center_ids(user):
        return StationEvaluation.objects.none()
    return (
        StationEvaluation.objects.filter(center=center)
        .select_related("station")
        .order_by("-year", "-quarter", "station__code")
    )


def evaluation_for_supervisor(*, user: Person, pk: int) -> StationEvaluation | None:
    """One evaluation of a center the user supervises (by its id); None means 404."""
    return (
        StationEvaluation.objects.filter(pk=pk, center_id__in=supervised_center_ids(user))
        .select_related("center", "station")
        .first()
    )


def evaluation_published(*, user: Person, pk: int) -> StationEvaluation | None:
    """One published evaluation of a center whose dashboard the user reads; None means 404."""
    return (
        StationEvaluation.objects.filter(
            pk=pk, center_id__in=dashboard_center_ids(user), status=EvaluationStatus.PUBLISHED
        )
        .select_related("center", "station")
        .first()
    )


def criteria_in_use(*, center: Center) -> list[EvaluationCriterion]:
    """The center's active criteria."""
    return list(EvaluationCriterion.objects.filter(center=center, is_active=True))


def criteria_all(*, user: Person, center: Center) -> QuerySet[EvaluationCriterion]:
    """Every criterion of a center the user supervises, retired ones too."""
    if center.pk not in supervised_center_ids(user):
        return EvaluationCriterion.objects.none()
    return EvaluationCriterion.objects.filter(center=center)


def criterion_for_supervisor(*, user: Person, pk: int | str) -> EvaluationCriterion | None:
    """One criterion of a center the user supervises (`pk` as posted); None means 404."""
    if not str(pk).isdigit():
        return None
    return EvaluationCriterion.objects.filter(pk=pk, center_id__in=supervised_center_ids(user)).first()


def published_quarters(*, center: Center) -> list[tuple[int, int]]:
    """The (year, quarter) pairs with a published evaluation, latest first."""
    return list(
        StationEvaluation.objects.filter(center=center, status=EvaluationStatus.PUBLISHED)
        .values_list("year", "quarter")
        .distinct()
        .order_by("-year", "-quarter")
    )


@dataclass
class RankingRow:
    rank: int
    evaluation: StationEvaluation
    previous_total: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.previous_total is None or self.evaluation.total is None:
            return None
        return self.evaluation.total - self.previous_total


def ranking(*, center: Center, year: int, quarter: int) -> list[RankingRow]:
    """Published evaluations of a quarter, best total first, with last quarter's total (two queries)."""
    current = list(
        StationEvaluation.objects.filter(center=center, year=year, quarter=quarter, status=EvaluationStatus.PUBLISHED)
        .select_related("station")
        .order_by("-total", "station__code")
    )
    prev_year, prev_quarter = previous_quarter(year, quarter)
    previous = dict(
        StationEvaluation.objects.filter(
            center=center, year=prev_year, quarter=prev_quarter, status=EvaluationStatus.PUBLISHED
        ).values_list("station_id", "total")
    )
    rows: list[RankingRow] = []
    rank, last_total = 0, None
    for position, evaluation in enumerate(current, start=1):
        if evaluation.total != last_total:
            rank, last_total = position, evaluation.total
        rows.append(RankingRow(rank=rank, evaluation=evaluation, previous_total=previous.get(evaluation.station_id)))
    return rows


@dataclass
class FigureRow:
    figure: Figure
    value: object
    previous: object
    shown: str
    previous_shown: str
    change: str


def _change(figure: Figure, value: Any, previous: Any) -> str:
    if value is None or previous is None:
        return "—"
    delta = float(value) - float(previous)
    if figure.kind == "share":
        return f"{delta * 100:+.0f} pt"
    if figure.kind == "count":
        return f"{int(delta):+d}"
    return f"{delta:+.1f}"


# What a reader could set against each other on an evaluation: the three services add up to the total,
# every completed session is one person-time, and a share hides with the count it is a share of.
PERSON_TIME_PARTS = (
    "appointments_person_times_face_to_face",
    "appointments_person_times_phone",
    "appointments_person_times_home_visit",
)
SHARE_OF = {
    "appointments_no_show_rate": "appointments_sessions_completed",
    "crisis_alerts_acknowledged_in_time_share": "crisis_alerts",
    "follow_ups_on_time_share": "follow_ups_due",
}


def official_states(figures: dict[str, Any], period: str) -> dict[Hashable, str]:
    """The suppression state of each count of one quarter's figures, keyed (figure key, period)."""
    counts: dict[Hashable, int | None] = {
        (f.key, period): (int(figures[f.key]) if figures.get(f.key) is not None else None)
        for f in FIGURES
        if f.kind == "count"
    }
    return suppress_cells(
        counts,
        [
            equation(("person_times_total", period), [(key, period) for key in PERSON_TIME_PARTS]),
            equation(("appointments_sessions_completed", period), [("person_times_total", period)]),
        ],
    )


def figure_rows(
    *, evaluation: StationEvaluation, previous: StationEvaluation | None, official: bool
) -> list[FigureRow]:
    """The evaluation's figures as shown, beside last quarter's and the change. For officials every count goes
    through the one suppression rule, a share is hidden with its count, and a change only shows between
    two shown figures (else it would give the hidden one away)."""
    old = previous.figures if previous else {}
    states = {**official_states(evaluation.figures, "now"), **official_states(old, "before")} if official else {}

    def visible(key: str, period: str) -> bool:
        key = SHARE_OF.get(key, key)
        return states.get((key, period), SHOWN) == SHOWN

    rows: list[FigureRow] = []
    for figure in FIGURES:
        value, before = evaluation.figures.get(figure.key), old.get(figure.key)
        if official and figure.kind == "count":
            shown_now = shown(int(value), states[(figure.key, "now")]) if value is not None else "—"
            shown_before = shown(int(before), states[(figure.key, "before")]) if before is not None else "—"
        else:
            shown_now = display(figure, value) if value is None or visible(figure.key, "now") else HIDDEN
            shown_before = display(figure, before) if before is None or visible(figure.key, "before") else HIDDEN
        rows.append(
            FigureRow(
                figure=figure,
                value=value,
                previous=before,
                shown=shown_now,
                previous_shown=shown_before if previous else "—",
                change=_change(figure, value, before)
                if visible(figure.key, "now") and visible(figure.key, "before")
                else "—",
            )
        )
    return rows


def previous_evaluation(*, evaluation: StationEvaluation) -> StationEvaluation | None:
    """The station's published evaluation of the quarter before, if any."""
    year, quarter = previous_quarter(evaluation.year, evaluation.quarter)
    return StationEvaluation.objects.filter(
        station_id=evaluation.station_id, year=year, quarter=quarter, status=EvaluationStatus.PUBLISHED
    ).first()


def scores_of(*, evaluation: StationEvaluation) -> list[CriterionScore]:
    """The evaluation's scores in the criteria's order."""
    return list(evaluation.scores.select_related("criterion").order_by("criterion__position", "criterion_id"))
