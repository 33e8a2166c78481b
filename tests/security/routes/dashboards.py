"""Station evaluations and statistics (centers app, under /evaluations/ and /statistics/): drafts
and criteria for the center's supervisor, published evaluations and figures for officials."""

from __future__ import annotations

from tests.security import builders as b
from tests.security.matrix import Target, route

READERS = {"official", "supervisor"}  # officials see published evaluations and figures of their center
CENTER_WIDE = {role: {"other_station"} for role in READERS}


def _evaluation(*, published: bool, **extra):
    def target(world, scope):
        found, secrets = b.evaluation(world, scope, published=published)
        return Target(kwargs={"pk": found.pk, **extra}, secrets=tuple(secrets))

    return target


def _export_of_published(world, scope):
    """The ranking export needs a published quarter at the center to export."""
    b.evaluation(world, scope, published=True)
    return Target(kwargs={"fmt": "csv"})


def _warning_export(world, scope):
    return Target(kwargs={"table": "warning", "fmt": "csv"})


_draft = _evaluation(published=False)
_published = _evaluation(published=True)
_published_csv = _evaluation(published=True, fmt="csv")

ROUTES = [
    # Supervisors: criteria, drafts, publishing.
    route("centers:evaluation_list", {"supervisor"}, post=200),
    route("centers:evaluation_open", {"supervisor"}, get=None, post=302),
    route("centers:evaluation_criteria", {"supervisor"}, post=400),
    route("centers:evaluation_edit", {"supervisor"}, post=302, target=_draft, reach={"supervisor": {"other_station"}}),
    *(
        route(
            f"centers:{name}",
            {"supervisor"},
            get=None,
            post=302,
            target=_draft,
            reach={"supervisor": {"other_station"}},
        )
        for name in ("evaluation_refresh",)
    ),
    # publishing asks first: the confirmation page
    route(
        "centers:evaluation_publish",
        {"supervisor"},
        get=None,
        post=200,
        target=_draft,
        reach={"supervisor": {"other_station"}},
    ),
    # Officials (and supervisors): published evaluations only.
    route("centers:evaluation_ranking", READERS, post=200),
    route("centers:evaluation_ranking_export", READERS, post=200, target=_export_of_published, scoped=False),
    *(
        route(f"centers:{name}", READERS, post=200, target=_published, reach=CENTER_WIDE)
        for name in ("evaluation_detail", "evaluation_report")
    ),
    route("centers:evaluation_detail_export", READERS, post=200, target=_published_csv, reach=CENTER_WIDE),
    # Statistics: officials and supervisors read; only the supervisor asks for a refresh.
    route("centers:statistics", READERS, post=200),
    route("centers:statistics_warning", READERS, post=200),
    route("centers:statistics_export", READERS, post=200, target=_warning_export, scoped=False),
    route("centers:statistics_refresh", {"supervisor"}, get=None, post=302),
]
