"""The organisation's pages (centers app)."""

from centers.models import Role

from ..matrix import EVERYONE, SIGNED_IN, Target, route


def _membership(world, scope):
    """A counselor's role at the scope's station: what a supervisor may withdraw."""
    membership = world.staff_in(scope, Role.COUNSELOR)
    return Target(kwargs={"pk": membership.pk}, secrets=(membership.user.display_name, membership.user.email))


def _person(world, scope):
    """Own scope: the resident's own record; otherwise a stranger at the other station or center."""
    if scope == "own":
        me = world.users["resident"].resident
        return Target(kwargs={"resident_pk": me.pk, "purpose": "screening"})
    stranger = world.resident_in(scope)
    return Target(kwargs={"resident_pk": stranger.pk, "purpose": "screening"}, secrets=(stranger.full_name,))


def _ward(world, scope):
    """Own scope: a child in the resident's care; otherwise someone else's child."""
    guardian = world.users["resident"].resident if scope == "own" else world.resident_in(scope)
    child = world.resident_in(scope, guardian=guardian, full_name=f"孩子{scope}{guardian.pk}")
    return Target(kwargs={"resident_pk": child.pk}, secrets=() if scope == "own" else (child.full_name,))


ROUTES = [
    route("centers:home", EVERYONE, anonymous=200, post=200),
    route("centers:crisis", EVERYONE, anonymous=200, post=200),
    route("centers:landing", SIGNED_IN, get=302, post=302),
    route("centers:resident_home", SIGNED_IN, post=200),
    # A person's own consents and data (issue 6, items 6 and 9).
    route("centers:consent_list", {"resident"}, post=200),
    route("centers:consent_give", {"resident"}, get=None, post=302, target=_person, mutates=True),
    route("centers:consent_withdraw", {"resident"}, get=None, post=302, target=_person, mutates=True),
    route("centers:my_data", SIGNED_IN, post=None),
    route("centers:my_data_download", SIGNED_IN, post=None),
    route("centers:record_viewers", {"resident"}, post=None),
    route("centers:ward_data_download", {"resident"}, post=None, target=_ward),
    route("centers:erase_me", {"resident"}, post=200),
    route("centers:station_home", {"station_manager", "supervisor"}, post=200),
    route("centers:dashboard", {"official", "supervisor"}, post=200),
    route("centers:audit_log", {"auditor"}, post=200),
    route("centers:audit_verify", {"auditor"}, get=None, post=302),
    route("centers:staff_list", {"supervisor"}, post=200),
    route("centers:staff_create", {"supervisor"}, post=200),
    route(
        "centers:staff_revoke",
        {"supervisor"},
        get=None,
        post=302,
        target=_membership,
        reach={"supervisor": {"other_station"}},
        mutates=True,
    ),
]
