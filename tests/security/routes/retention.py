"""The retention page and legal holds (centers.retention): supervisors and auditors read, supervisors hold."""

from centers.models import Role
from centers.retention.models import LegalHold
from tests.security import builders
from tests.security.matrix import Target, route


def _hold(world, scope):
    """A hold in force on a case of the scope's station, placed by a supervisor of that center."""
    case, secrets = builders.case(world, scope)
    placed_by = world.staff_in(scope, Role.SUPERVISOR).user
    hold = LegalHold.objects.create(
        center=case.center, record_type="case", object_id=case.pk, reason=f"法院调取{scope}", placed_by=placed_by
    )
    return Target(kwargs={"pk": hold.pk}, secrets=(*secrets, hold.reason))


ROUTES = [
    route("retention:page", {"supervisor", "auditor"}, post=200),
    route("retention:hold_place", {"supervisor"}, get=None, post=400, scoped=False),
    route(
        "retention:hold_release",
        {"supervisor"},
        get=None,
        post=302,
        target=_hold,
        reach={"supervisor": {"other_station"}},
        mutates=True,
    ),
]
