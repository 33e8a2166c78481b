"""Extension points. `centers` may not import the apps built on it (ARCHITECTURE.md section 2),
so those apps register providers here in their AppConfig.ready(), and centers asks them.

Points in use (keyword arguments → what each provider returns):

- ``group_open_work``   (group)                    → list of dicts {kind, label, due_at, url}: open
  work given to a service group; a group with open work cannot be dissolved.
- ``station_figures``   (station, start, end)      → dict of figure name → number, for the station
  evaluations (appointments, cases and community each add theirs).
- ``person_export``     (resident)                 → dict section name → JSON-able data, for a
  resident's "download my data".
- ``record_objects``    (resident)                 → dict audit object type → ids of the person's record in
  that app, for "who viewed my record" (the audit rows on those objects).
- ``person_links``      (resident, user)           → list of dicts {label, url, open}: the person's records in
  that app the user may open (a session page links to the person's cases).
- ``person_anonymise``  (resident, actor)          → None; blanks what the app holds of the person.
- ``person_record_hold`` (resident)                → list of dicts {case_ref, open, until, years,
  contact_needed}: counseling records an erasure must keep (open, or closed inside the retention period).
- ``retention_record_types`` ()                   → list of centers.retention.schedule.RecordType: the kinds
  of record an app keeps for a time (case, conversation, appointment), each listing what is due and removing it.
- ``user_open_work``    (user)                     → list of dicts like group_open_work, for a staff
  member whose role is being withdrawn.
- ``role_landing``      ()                         → dict role → URL name of the page a person with that role
  lands on after sign-in (centers.policies.landing_url_for; centers names its own roles' pages).
- ``resident_home_badges`` (user)                  → dict badge name → number, shown on the resident's own page
  (e.g. ``consult_unread``: counselor lines not read yet).
- ``volunteer_hours``   (volunteer, start, end)    → dict of source name → hours a volunteer gave in
  that app (e.g. follow-up visits), added to tasks, workshop duties and training on their record.

Points of the officials' statistics. Called only by the summary refresh
(centers.reporting.statistics.services, nightly and on a supervisor's demand), never per page view; answers are
aggregates (no people). ``station_id`` is None for work done at the center itself:

- ``monthly_person_times``     (center, start, end) → list of {station_id, month (date, 1st), service,
  person_times}: appointments (completed sessions per service), centers (workshop participants, "workshop").
- ``monthly_residents_served`` (center, start, end) → list of {station_id, month, residents}: distinct
  residents with a completed session (appointments).
- ``monthly_crisis_events``    (center, start, end) → list of {station_id, month, events, handled}: crisis
  alerts raised and acknowledged (cases).
- ``early_warning_weekly``     (center, start, end: dates, week starts in [start, end)) → list of
  {station_id, week_start, general, serious, high_risk, new_alerts}: active cases per tier (cases).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_providers: dict[str, list[Callable[..., Any]]] = defaultdict(list)


def register(point: str, provider: Callable[..., Any]) -> None:
    """Add a provider to an extension point; registering the same function twice is a no-op."""
    if provider not in _providers[point]:
        _providers[point].append(provider)


def providers(point: str) -> list[Callable[..., Any]]:
    return list(_providers[point])


def collect(point: str, **kwargs: Any) -> list[Any]:
    """Call every provider of a point and return their answers in registration order."""
    return [provider(**kwargs) for provider in _providers[point]]


def collect_list(point: str, **kwargs: Any) -> list[Any]:
    """Like collect(), for points whose providers return lists: one flat list."""
    return [item for answer in collect(point, **kwargs) for item in answer]


def collect_dict(point: str, **kwargs: Any) -> dict[str, Any]:
    """Like collect(), for points whose providers return dicts: one merged dict."""
    merged: dict[str, Any] = {}
    for answer in collect(point, **kwargs):
        merged.update(answer)
    return merged
