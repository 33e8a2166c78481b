"""The Django admin: for the deployment's system and security administrators (and a superuser on a laptop);
everyone else, a deployment auditor and a supervisor included, is sent to sign in.

Each model names the duties that use it: the system administrator keeps accounts, centers, stations, groups,
partners and rooms; the security administrator keeps roles (memberships) and the administrator duties, and looks
accounts up (to lift a sign-in pause or remove a lost second factor). Both see every center (their duty is the
deployment's). Clinical and personal records (residents, consents, shifts, the feature apps' rows), the audit log,
Django's groups, email addresses and authenticators are refused to both (403): a superuser on a laptop only.
Adding a model to the admin: one line in ADMIN_MODELS.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth.models import Group
from django.utils import timezone

from centers.audit.log import audit_record
from centers.models import Administrator, AdministratorKind, DutyShift, ServiceGroup, ShiftKind
from centers.privacy.models import ConsentRecord
from tests.factories import PartnerFactory, RoomFactory
from tests.security import builders as b
from tests.security.matrix import LOGIN, ROLES, Target, route

# Signed-in people who are not admin users (a deployment auditor included): sent to the admin's sign-in page.
NOT_ADMIN = {
    role: LOGIN
    for role in ROLES
    if role not in {"anonymous", "system_admin", "security_admin", "superuser", "staff_without_2fa"}
}
ADMINS = {"system_admin", "security_admin", "superuser"}
ALL_SCOPES = {"other_station", "other_center"}
EVERY_CENTER = dict.fromkeys(ADMINS, ALL_SCOPES)

KEEP = {"changelist", "add", "change", "history"}  # kept, never deleted here (accounts are deactivated)
LOOK = {"changelist", "change", "history"}  # the change page shows the row read-only; saving it is refused


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


def _administrator(world, scope):
    user = world.staff_in(scope).user
    return Administrator.objects.create(user=user, kind=AdministratorKind.AUDIT), (user.display_name,)


# model label → (builder of a row in a scope, {duty role: the admin views it may use})
ADMIN_MODELS = {
    "centers_user": (_user, {"system_admin": KEEP, "security_admin": LOOK}),
    "centers_center": (lambda w, s: (w.center_for(s), ()), {"system_admin": KEEP}),
    "centers_station": (lambda w, s: (w.station_for(s), ()), {"system_admin": KEEP}),
    "centers_membership": (_membership, {"security_admin": KEEP}),
    "centers_administrator": (_administrator, {"security_admin": KEEP}),
    "centers_resident": (_resident, {}),
    "centers_servicegroup": (_group, {"system_admin": KEEP}),
    "centers_partnerinstitution": (lambda w, s: (PartnerFactory(center=w.center_for(s)), ()), {"system_admin": KEEP}),
    "centers_room": (
        lambda w, s: (RoomFactory(center=w.center_for(s), station=w.station_for(s)), ()),
        {"system_admin": KEEP},
    ),
    "centers_dutyshift": (_shift, {}),
    "centers_consentrecord": (_consent, {}),
    "centers_auditevent": (_audit, {}),
    "auth_group": (_auth_group, {}),
    "account_emailaddress": (_email, {}),
    "mfa_authenticator": (_authenticator, {}),
}


def _duty_status(duties: dict[str, set[str]], view: str, *, post_view: str | None = None) -> dict:
    """403 for a duty that may not use `view` (GET), and for POST where saving is refused (`post_view`)."""
    status: dict = {}
    for role in ("system_admin", "security_admin"):
        acts = duties.get(role, set())
        if view not in acts:
            status[role] = 403
        elif post_view is not None and post_view not in acts:
            status[f"{role}:POST"] = 403
    return status


def _model_routes(label: str, build, duties: dict[str, set[str]], read_only: bool = False) -> list:
    app_label, model = label.split("_", 1)
    target = _obj(build)
    # Read-only rows (the audit log): nobody adds, changes or deletes them, not even a superuser.
    forbidden = {"superuser": 403} if read_only else {}
    routes = [
        route(
            f"admin:{label}_changelist", ADMINS, post=200, status={**NOT_ADMIN, **_duty_status(duties, "changelist")}
        ),
        route(f"admin:{label}_add", ADMINS, post=200, status={**NOT_ADMIN, **_duty_status(duties, "add"), **forbidden}),
    ]
    for action in ("change", "history", "delete"):
        extra = {}
        if read_only and action == "delete":
            extra = forbidden
        elif read_only and action == "change":
            extra = {"superuser:POST": 403}
        post_view = "add" if action == "change" else None  # "change" in KEEP, not in LOOK: KEEP also has "add"
        status = {**NOT_ADMIN, **_duty_status(duties, action, post_view=post_view), **extra}
        routes.append(
            route(f"admin:{label}_{action}", ADMINS, post=200, target=target, reach=EVERY_CENTER, status=status)
        )
    # /admin/<app>/<model>/<id>/ only redirects to the change page, which then decides.
    routes.append(
        route(
            f"admin/{app_label}/{model}/<path:object_id>/",
            ADMINS,
            get=302,
            post=302,
            target=lambda w, s, _t=target, _a=app_label, _m=model: _unnamed(_t(w, s), _a, _m),
            reach=EVERY_CENTER,
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
    """A superuser on a laptop looks (and deletes what may be deleted); both duties are refused (403)."""
    app_label, model = label.split("_", 1)
    target = _obj(build)
    delete = {"get": 200, "post": 200} if deletable else {"get": 403, "post": 403}
    refused = {**NOT_ADMIN, "system_admin": 403, "security_admin": 403}
    return [
        route(f"admin:{label}_changelist", ADMINS, post=200, status=refused),
        route(f"admin:{label}_add", ADMINS, get=403, post=403, status=refused),
        route(f"admin:{label}_change", ADMINS, get=200, post=403, target=target, reach=EVERY_CENTER, status=refused),
        route(f"admin:{label}_history", ADMINS, post=200, target=target, reach=EVERY_CENTER, status=refused),
        route(f"admin:{label}_delete", ADMINS, **delete, target=target, reach=EVERY_CENTER, status=refused),
        route(
            f"admin/{app_label}/{model}/<path:object_id>/",
            ADMINS,
            get=302,
            post=302,
            target=lambda w, s, _t=target, _a=app_label, _m=model: _unnamed(_t(w, s), _a, _m),
            reach=EVERY_CENTER,
            status=NOT_ADMIN,
        ),
    ]


READ_ONLY = {"centers_auditevent"}
ROUTES = [
    route
    for label, (build, duties) in ADMIN_MODELS.items()
    for route in _model_routes(label, build, duties, read_only=label in READ_ONLY)
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
        target=lambda w, s: Target({"id": _user(w, s)[0].pk}, secrets=(_user(w, s)[0].email,)),
        reach=EVERY_CENTER,
        status={**NOT_ADMIN, "security_admin": 403},
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
