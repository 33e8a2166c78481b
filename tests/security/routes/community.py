"""The community side (centers app, under /community/): workshops and registrations, volunteers,
their training and tasks, and service groups."""

from __future__ import annotations

from tests.security import builders as b
from tests.security.matrix import EVERYONE, Target, route

# Workshops are run by the supervisor (whole center), station managers and counselors (their station).
WORKSHOP_STAFF = {"supervisor", "station_manager", "counselor"}
# Volunteers and their training: the supervisor (whole center) and station managers (their station).
VOLUNTEER_STAFF = {"supervisor", "station_manager"}
# Service groups: seen like workshops, formed and changed by the center (the supervisor) only.
GROUP_STAFF = WORKSHOP_STAFF
CENTER_WIDE = {"supervisor": {"other_station"}}


def _pk(build, **extra):
    def target(world, scope):
        obj, secrets = build(world, scope)
        return Target(kwargs={"pk": obj.pk}, secrets=tuple(secrets))

    return target


_workshop = _pk(b.workshop)
_registration = _pk(b.registration)
_training = _pk(b.training_session)
_task = _pk(b.volunteer_task)
_group = _pk(b.service_group)


def _volunteer(world, scope):
    membership = b.volunteer(world, scope)
    secrets = () if scope == "own" else (membership.user.display_name, membership.user.email)
    return Target(kwargs={"pk": membership.pk}, secrets=secrets)


def _workshop_registration(world, scope):
    registration, secrets = b.registration(world, scope)
    return Target(kwargs={"pk": registration.workshop_id, "registration_pk": registration.pk}, secrets=secrets)


ROUTES = [
    # Everyone: the programme of workshops (public; no one's data in it).
    route("centers:workshop_list", EVERYONE, anonymous=200, post=200),
    route("centers:workshop_detail", EVERYONE, anonymous=200, post=200, target=_workshop, scoped=False),
    # Residents: register (an empty form is refused with its reasons), their registrations.
    route("centers:workshop_register", {"resident"}, get=None, post=400, target=_workshop, scoped=False),
    route("centers:my_workshops", {"resident"}, post=200),
    route("centers:registration_cancel", {"resident"}, get=None, post=302, target=_registration),
    # Volunteers: their own record.
    route("centers:volunteer_duty_record", {"volunteer"}, post=200),
    # Staff: workshops.
    route("centers:staff_workshop_list", WORKSHOP_STAFF, post=200),
    route("centers:staff_workshop_create", WORKSHOP_STAFF, post=200),
    route("centers:staff_workshop_detail", WORKSHOP_STAFF, post=200, target=_workshop, reach=CENTER_WIDE),
    route("centers:staff_workshop_attendance", WORKSHOP_STAFF, post=200, target=_workshop, reach=CENTER_WIDE),
    *(
        route(f"centers:{name}", WORKSHOP_STAFF, get=None, post=302, target=_workshop, reach=CENTER_WIDE)
        for name in ("staff_workshop_capacity", "staff_workshop_register", "staff_workshop_duty")
    ),
    route(
        "centers:staff_workshop_cancel",
        WORKSHOP_STAFF,
        get=None,
        post=302,
        target=_workshop,
        reach=CENTER_WIDE,
        mutates=True,
    ),
    route(
        "centers:staff_registration_cancel",
        WORKSHOP_STAFF,
        get=None,
        post=302,
        target=_workshop_registration,
        reach=CENTER_WIDE,
        mutates=True,
    ),
    # Staff: volunteers, their training and tasks.
    route("centers:volunteer_list", VOLUNTEER_STAFF, post=200),
    route("centers:volunteer_register", VOLUNTEER_STAFF, post=200),
    route("centers:volunteer_detail", VOLUNTEER_STAFF, post=200, target=_volunteer, reach=CENTER_WIDE),
    route("centers:volunteer_training_add", VOLUNTEER_STAFF, get=None, post=400, target=_volunteer, reach=CENTER_WIDE),
    route("centers:volunteer_task_assign", VOLUNTEER_STAFF, get=None, post=400, target=_volunteer, reach=CENTER_WIDE),
    route("centers:volunteer_task_done", VOLUNTEER_STAFF, get=None, post=302, target=_task, reach=CENTER_WIDE),
    route("centers:volunteer_task_cancel", VOLUNTEER_STAFF, get=None, post=302, target=_task, reach=CENTER_WIDE),
    route("centers:training_list", VOLUNTEER_STAFF, post=200),
    route("centers:training_create", VOLUNTEER_STAFF, post=200),
    route("centers:training_detail", VOLUNTEER_STAFF, post=200, target=_training, reach=CENTER_WIDE),
    # Staff: service groups.
    route("centers:group_list", GROUP_STAFF, post=200),
    route("centers:group_create", {"supervisor"}, post=200),
    route("centers:group_detail", GROUP_STAFF, post=200, target=_group, reach=CENTER_WIDE),
    route("centers:group_members", {"supervisor"}, get=None, post=302, target=_group, reach=CENTER_WIDE),
    route("centers:group_dissolve", {"supervisor"}, get=None, post=302, target=_group, reach=CENTER_WIDE, mutates=True),
]
