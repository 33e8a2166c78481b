"""The Django admin. Only admin users (is_staff) get in; everyone else is sent to sign in.

A center's admin user (a supervisor with is_staff) sees the rows of their own center; another
center's row is a 404. Models with no center (groups, authenticators, audit rows) are for
superusers only. Adding a model to the admin: one line in ADMIN_MODELS.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import Group
from django.utils import timezone

from centers.audit.log import audit_record
from centers.models import DutyShift, ServiceGroup, ShiftKind
from centers.privacy.models import ConsentRecord
from tests.factories import PartnerFactory, RoomFactory
from tests.security import builders as b
from tests.security.matrix import LOGIN, ROLES, Target, route

# Signed-in people who are not admin users: the admin sends them to its sign-in page.
NOT_ADMIN = {
    role: LOGIN for role in ROLES if role not in {"anonymous", "center_admin", "superuser", "staff_without_2fa"}
}
ADMINS = {"center_admin", "superuser"}
ALL_SCOPES = {"other_station", "other_center"}


def _obj(build):
    def target(world, scope):
        obj, secrets = build(world, scope)
        return Target(kwargs={"object_id": obj.pk}, secrets=tuple(secrets))

    return target


def _user(world, scope):
    user = world.staff_in(scope).user
    return user, (user.display_name, user.email)


def _resident(world, scope):
    resident = world.resident_in(scope)
    return resident, (resident.full_name, resident.phone)


def _membership(world, scope):
    membership = world.staff_in(scope)
    return membership, (membership.user.display_name,)


_numbers = itertools.count(1)


def _group(world, scope):
    station = world.station_for(scope)
    return ServiceGroup.objects.create(
        center=station.center, station=station, name=f"小组{next(_numbers)}", need="youth"
    ), ()


def _shift(world, scope):
    station = world.station_for(scope)
    start = timezone.now() + dt.timedelta(days=1)
    user = world.staff_in(scope).user
    shift = DutyShift.objects.create(
        center=station.center,
        station=station,
        kind=ShiftKind.ONSITE,
        user=user,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
    )
    return shift, (user.display_name,)


def _consent(world, scope):
    resident = world.resident_in(scope)
    return ConsentRecord.objects.create(resident=resident, purpose="screening", version="2026-11"), (
        resident.full_name,
    )


def _audit(world, scope):
    station = world.station_for(scope)
    return audit_record(actor=None, action="matrix.check", center_id=station.center_id, station_id=station.pk), ()


def _auth_group(world, scope):
    return Group.objects.create(name=f"组{scope}{Group.objects.count()}"), ()


def _email(world, scope):
    from allauth.account.models import EmailAddress

    user = world.staff_in(scope).user
    return EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True), (user.email,)


def _authenticator(world, scope):
    from allauth.mfa.models import Authenticator

    user = world.staff_in(scope).user
    return Authenticator.objects.get(user=user), (user.display_name,)


# model label → (builder of a row in a scope, whether a center's admin user sees its center's rows)
ADMIN_MODELS = {
    "centers_user": (_user, True),
    "centers_center": (lambda w, s: (w.center_for(s), ()), True),
    "centers_station": (lambda w, s: (w.station_for(s), ()), True),
    "centers_membership": (_membership, True),
    "centers_resident": (_resident, True),
    "centers_servicegroup": (_group, True),
    "centers_partnerinstitution": (lambda w, s: (PartnerFactory(center=w.center_for(s)), ()), True),
    "centers_room": (lambda w, s: (RoomFactory(center=w.center_for(s), station=w.station_for(s)), ()), True),
    "centers_dutyshift": (_shift, True),
    "centers_consentrecord": (_consent, True),
    "centers_auditevent": (_audit, False),
    "auth_group": (_auth_group, False),
    "account_emailaddress": (_email, False),
    "mfa_authenticator": (_authenticator, False),
}


def _model_routes(label: str, build, center_scoped: bool, read_only: bool = False) -> list:
    app_label, model = label.split("_", 1)
    allow = ADMINS if center_scoped else {"superuser"}
    # A center's admin user reaches every station of the center, never another center.
    reach = {"center_admin": {"other_station"}, "superuser": ALL_SCOPES}
    refused = {} if center_scoped else {"center_admin": 403}
    target = _obj(build)
    # Read-only rows (the audit log): nobody adds, changes or deletes them, not even a superuser.
    forbidden = {"superuser": 403, "center_admin": 403} if read_only else {}
    routes = [
        route(f"admin:{label}_changelist", allow, post=200, status={**NOT_ADMIN, **refused}),
        route(f"admin:{label}_add", allow, post=200, status={**NOT_ADMIN, **refused, **forbidden}),
    ]
    for action in ("change", "history", "delete"):
        extra = {}
        if read_only and action == "delete":
            extra = forbidden
        elif read_only and action == "change":
            extra = {"superuser:POST": 403}
        status = {**NOT_ADMIN, **refused, **extra}
        routes.append(route(f"admin:{label}_{action}", allow, post=200, target=target, reach=reach, status=status))
    # /admin/<app>/<model>/<id>/ only redirects to the change page, which then decides.
    routes.append(
        route(
            f"admin/{app_label}/{model}/<path:object_id>/",
            ADMINS,
            get=302,
            post=302,
            target=lambda w, s, _t=target, _a=app_label, _m=model: _unnamed(_t(w, s), _a, _m),
            reach={"center_admin": ALL_SCOPES, "superuser": ALL_SCOPES},
            status=NOT_ADMIN,
        )
    )
    return routes


def _unnamed(target: Target, app_label: str, model: str) -> Target:
    return Target(secrets=target.secrets, url=f"/admin/{app_label}/{model}/{target.kwargs['object_id']}/")


# The feature apps' admins are for looking only (changes go through their pages and services):
# a center's admin user sees their center's rows, never another center's; nobody adds or changes.
# model label → (builder, whether rows may be deleted there)
FEATURE_MODELS = {
    "appointments_appointment": (b.appointment, False),
    "appointments_slot": (lambda w, s: (b.slot(w, s), ()), False),
    "appointments_availability": (b.availability, True),
    "appointments_availabilityexception": (b.availability_exception, True),
    "appointments_reminder": (b.reminder, False),
    "appointments_waitlistentry": (b.waitlist_entry, False),
    "cases_case": (b.case, False),
    "cases_crisisalert": (b.crisis_alert, False),
    "cases_notification": (b.notification, False),
    "cases_followup": (b.follow_up, False),
    "cases_referral": (b.referral, False),
    "cases_weeklyrisksummary": (b.weekly_summary, False),
    "centers_workshop": (b.workshop, False),
    "centers_workshopregistration": (b.registration, False),
    "centers_trainingsession": (b.training_session, False),
    "centers_trainingrecord": (b.training_record, False),
    "centers_volunteertask": (b.volunteer_task, False),
}


def _feature_routes(label: str, build, deletable: bool) -> list:
    app_label, model = label.split("_", 1)
    reach = {"center_admin": {"other_station"}, "superuser": ALL_SCOPES}
    target = _obj(build)
    delete = {"get": 200, "post": 200} if deletable else {"get": 403, "post": 403}
    return [
        route(f"admin:{label}_changelist", ADMINS, post=200, status=NOT_ADMIN),
        route(f"admin:{label}_add", ADMINS, get=403, post=403, status=NOT_ADMIN),
        route(f"admin:{label}_change", ADMINS, get=200, post=403, target=target, reach=reach, status=NOT_ADMIN),
        route(f"admin:{label}_history", ADMINS, post=200, target=target, reach=reach, status=NOT_ADMIN),
        route(f"admin:{label}_delete", ADMINS, **delete, target=target, reach=reach, status=NOT_ADMIN),
        route(
            f"admin/{app_label}/{model}/<path:object_id>/",
            ADMINS,
            get=302,
            post=302,
            target=lambda w, s, _t=target, _a=app_label, _m=model: _unnamed(_t(w, s), _a, _m),
            reach={"center_admin": ALL_SCOPES, "superuser": ALL_SCOPES},
            status=NOT_ADMIN,
        ),
    ]


READ_ONLY = {"centers_auditevent"}
ROUTES = [
    route
    for label, (build, scoped) in ADMIN_MODELS.items()
    for route in _model_routes(label, build, scoped, read_only=label in READ_ONLY)
]
ROUTES += [
    route for label, (build, deletable) in FEATURE_MODELS.items() for route in _feature_routes(label, build, deletable)
]
ROUTES += [
    route("admin:index", ADMINS, post=200, status=NOT_ADMIN),
    route(
        "admin:app_list",
        ADMINS,
        post=200,
        status=NOT_ADMIN,
        target=lambda w, s: Target({"app_label": "centers"}),
        scoped=False,
    ),
    # The admin's sign-in is allauth's (with its lockout and second factor); signed-in people
    # who are not admin users are refused.
    route("admin:login", ADMINS, get=302, post=200, denied=403),
    route("admin:logout", ADMINS, get=None, post=200, status={"anonymous": 302, **dict.fromkeys(NOT_ADMIN, 302)}),
    route("admin:password_change", ADMINS, post=200, status=NOT_ADMIN),
    route("admin:password_change_done", ADMINS, post=None, status=NOT_ADMIN),
    route("admin:autocomplete", ADMINS, get=403, post=None, status=NOT_ADMIN),  # no field asked for
    route("admin:jsi18n", ADMINS, post=None, status=NOT_ADMIN),
    route(
        "admin:view_on_site",
        ADMINS,
        get=404,
        post=404,
        status=NOT_ADMIN,
        target=lambda w, s: Target({"content_type_id": 1, "object_id": 1}),
        scoped=False,
    ),
    route(
        "admin:auth_user_password_change",
        ADMINS,
        post=200,
        status=NOT_ADMIN,
        target=lambda w, s: Target({"id": _user(w, s)[0].pk}, secrets=(_user(w, s)[0].email,)),
        reach={"center_admin": {"other_station"}, "superuser": ALL_SCOPES},
    ),
    route(
        "admin/(?P<url>.*)$",
        ADMINS,
        get=404,
        post=404,
        status=NOT_ADMIN,
        target=lambda w, s: Target(url="/admin/no-such-page/"),
        scoped=False,
    ),
]
