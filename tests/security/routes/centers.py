"""The organisation's pages (centers app)."""

from centers.models import Role
from tests.factories import ResidentFactory
from tests.security.matrix import EVERYONE, SIGNED_IN, Target, route


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


def _center(world, scope):
    """A center's public page: anyone may open any center's."""
    return Target(kwargs={"code": world.station_for(scope).center.code})


def _person_without_account(world, scope):
    """A person without an account at the scope's station: staff record an erasure request for them."""
    station = world.station_for(scope)
    person = ResidentFactory(center=station.center, station=station, full_name=f"无账号{scope}", phone="")
    return Target(kwargs={"resident_pk": person.pk}, secrets=(person.full_name,))


ROUTES = [
    route("centers:home", EVERYONE, anonymous=200, post=200),
    route("centers:center_home", EVERYONE, anonymous=200, post=200, target=_center, scoped=False),
    # Staff in several centers choose the one they act for (a refusal also ends in a redirect).
    route("centers:acting_center_choose", SIGNED_IN, get=None, post=302),
    # Merging two records of one person: supervisors; without two chosen records the confirm page sends back.
    route("centers:resident_merge_find", {"supervisor"}, post=200),
    route("centers:resident_merge_confirm", {"supervisor"}, get=302, post=302),
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
    # Staff record an erasure for a child or a person without an account: an empty form is refused (400).
    route(
        "centers:staff_erasure",
        {"counselor", "supervisor"},
        post=400,
        target=_person_without_account,
        reach={"supervisor": {"other_station"}},
    ),
    route("centers:station_home", {"station_manager", "supervisor"}, post=200),
    route("centers:dashboard", {"official", "supervisor"}, post=200),
    route("centers:audit_log", {"auditor", "deploy_auditor"}, post=200),
    # Asked once a minute by staff pages (static/js/idle.js): whether the session is still open.
    route("centers:session_state", EVERYONE, anonymous=200, post=405, status={"anonymous:POST": 405}),
    route("centers:audit_verify", {"auditor", "deploy_auditor"}, get=None, post=302),
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
    # Lifting a sign-in pause: the supervisor of the person's center.
    route(
        "centers:staff_unlock",
        {"supervisor"},
        get=None,
        post=302,
        target=_membership,
        reach={"supervisor": {"other_station"}},
    ),
]
