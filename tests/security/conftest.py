"""The world of the permission matrix: one center with two stations, another center, a person in
every role, and people whose data must not leak across scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client

from centers.models import Administrator, AdministratorKind, Role
from tests.factories import MembershipFactory, ResidentFactory, UserFactory, give_totp

# Staff roles and whether they act at one station (the own station) or the whole center.
_STAFF_AT = {
    "counselor": (Role.COUNSELOR, True),
    "volunteer": (Role.VOLUNTEER, True),
    "station_manager": (Role.STATION_MANAGER, True),
    "supervisor": (Role.SUPERVISOR, False),
    "expert": (Role.EXPERT, False),
    "official": (Role.OFFICIAL, False),
    "auditor": (Role.AUDITOR, False),
}


@dataclass
class World:
    center: object
    station: object
    other_station: object
    other_center: object
    other_center_station: object
    users: dict = field(default_factory=dict)
    _clients: dict = field(default_factory=dict)

    def station_for(self, scope: str):
        return {"own": self.station, "other_station": self.other_station, "other_center": self.other_center_station}[
            scope
        ]

    def center_for(self, scope: str):
        return self.other_center if scope == "other_center" else self.center

    def resident_in(self, scope: str, **fields):
        """A new resident (with an account) of the scope's station, named so a leak is visible."""
        station = self.station_for(scope)
        user = UserFactory()
        defaults = {"full_name": f"泄露检查{scope}{user.pk}", "phone": f"1370{user.pk:07d}"[:11]}
        defaults.update(fields)
        return ResidentFactory(center=station.center, station=station, user=user, **defaults)

    def staff_in(self, scope: str, role: str = Role.COUNSELOR, **user_fields):
        """A new staff member at the scope's station (or center, for center-wide roles)."""
        station = self.station_for(scope)
        user = UserFactory(display_name=f"范围{scope}{role}", **user_fields)
        at_station = role not in (Role.SUPERVISOR, Role.EXPERT, Role.OFFICIAL, Role.AUDITOR)
        membership = MembershipFactory(
            user=user, center=station.center, station=station if at_station else None, role=role
        )
        give_totp(user)
        return membership

    def client(self, role: str) -> Client:
        if role not in self._clients:
            client = Client()
            user = self.users.get(role)
            if user is not None:
                client.force_login(user)
            self._clients[role] = client
        return self._clients[role]


@pytest.fixture
def world(center, station, other_station, other_center, other_center_station):
    users: dict = {"anonymous": None}
    for name, (role, at_station) in _STAFF_AT.items():
        user = UserFactory(display_name=f"矩阵{name}")
        MembershipFactory(user=user, center=center, station=station if at_station else None, role=role)
        users[name] = give_totp(user)
    no_factor = UserFactory(display_name="矩阵无二次验证")
    MembershipFactory(user=no_factor, center=center, station=station, role=Role.COUNSELOR)
    users["staff_without_2fa"] = no_factor
    # The deployment's separated administrators (no role at a center).
    for name, kind in (
        ("system_admin", AdministratorKind.SYSTEM),
        ("security_admin", AdministratorKind.SECURITY),
        ("deploy_auditor", AdministratorKind.AUDIT),
    ):
        admin_user = UserFactory(display_name=f"矩阵{name}")
        Administrator.objects.create(user=admin_user, kind=kind)
        users[name] = give_totp(admin_user)
    users["superuser"] = give_totp(UserFactory(display_name="矩阵超级用户", is_staff=True, is_superuser=True))
    resident_user = UserFactory()
    ResidentFactory(center=center, station=station, user=resident_user, full_name="矩阵居民", phone="13711110000")
    users["resident"] = resident_user
    return World(
        center=center,
        station=station,
        other_station=other_station,
        other_center=other_center,
        other_center_station=other_center_station,
        users=users,
    )
