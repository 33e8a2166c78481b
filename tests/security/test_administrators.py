"""Separated administrators (等保 level 3, issue 25 item 7) and the audit log per auditor (item 9).

The system administrator keeps accounts and the organisation, never clinical records or the audit log; the
security administrator keeps roles and duties; the deployment's auditor reads every audit row and changes nothing;
a center's auditor reads their center's rows only. Nobody holds two duties, a superuser is refused by
`check --deploy` in production, and every administrator's act is an audit row. (Every admin URL against every
duty: the permission matrix, tests/security/routes/admin.py.)
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.urls import reverse

from centers.accounts.administrators import administrator_grant
from centers.accounts.checks import fucheng_administrator_checks
from centers.audit.log import audit_record
from centers.audit.models import AuditEvent
from centers.models import Administrator, AdministratorKind, Membership, Role
from centers.services import membership_grant
from tests.factories import ResidentFactory, UserFactory, give_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def duty(client_for):
    """duty(kind) -> (user, signed-in client) for a new account holding that administrator duty."""

    def make(kind: str, **fields):
        user = give_totp(UserFactory(**fields))
        administrator_grant(actor=None, user=user, kind=kind)
        return user, client_for(user)

    return make


def test_the_system_administrator_keeps_the_organisation_but_never_opens_a_resident(duty, center, station):
    ResidentFactory(center=center, station=station, full_name="不应看到的居民")
    _user, client = duty(AdministratorKind.SYSTEM)
    assert client.get(reverse("centers:landing"))["Location"] == reverse("admin:index")
    index = client.get(reverse("admin:index")).content.decode()
    assert "/admin/centers/station/" in index and "/admin/centers/resident/" not in index
    assert client.get(reverse("admin:centers_station_change", args=[station.pk])).status_code == 200
    assert client.get(reverse("admin:centers_resident_changelist")).status_code == 403
    assert client.get(reverse("admin:centers_auditevent_changelist")).status_code == 403
    assert client.get(reverse("admin:centers_membership_changelist")).status_code == 403
    assert client.get(reverse("centers:audit_log")).status_code == 404
    assert "不应看到的居民" not in client.get(reverse("admin:index")).content.decode()


def test_the_security_administrator_grants_roles_and_duties_but_not_to_themselves(duty, center):
    me, client = duty(AdministratorKind.SECURITY)
    colleague = give_totp(UserFactory())
    add = reverse("admin:centers_administrator_add")
    refused = client.post(add, {"user": me.pk, "kind": AdministratorKind.AUDIT, "is_active": "on"})
    assert refused.status_code == 200  # the form again, with the reason
    assert Administrator.objects.get(user=me).kind == AdministratorKind.SECURITY
    granted = client.post(add, {"user": colleague.pk, "kind": AdministratorKind.SYSTEM, "is_active": "on"})
    assert granted.status_code == 302
    row = Administrator.objects.get(user=colleague)
    assert row.kind == AdministratorKind.SYSTEM and row.granted_by == me
    assert AuditEvent.objects.filter(action="admin.add", object_type="centers.administrator", actor=me).exists()
    assert client.get(reverse("admin:centers_center_changelist")).status_code == 403


def test_nobody_holds_two_duties(duty, center):
    user, _client = duty(AdministratorKind.SYSTEM)
    with pytest.raises(CommandError, match="nobody holds two|两种管理员职责"):
        call_command("grant_administrator", user.username, "security")
    # A center's auditor role is an audit duty: not for the system administrator, from any door.
    with pytest.raises(Exception, match="auditor|审计员"):
        membership_grant(actor=None, user=user, center=center, role=Role.AUDITOR)
    _secadmin, client = duty(AdministratorKind.SECURITY)
    response = client.post(
        reverse("admin:centers_membership_add"),
        {"user": user.pk, "center": center.pk, "role": Role.AUDITOR, "is_active": "on"},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=user, role=Role.AUDITOR).exists()
    # And the other way round: a center's auditor is not given a system duty.
    auditor = UserFactory()
    membership_grant(actor=None, user=auditor, center=center, role=Role.AUDITOR)
    with pytest.raises(CommandError, match="audits a center|中心审计员"):
        call_command("grant_administrator", auditor.username, "system")


def test_a_withdrawn_duty_ends_at_once(duty):
    user, client = duty(AdministratorKind.SYSTEM)
    assert client.get(reverse("admin:index")).status_code == 200
    call_command("grant_administrator", "--withdraw", user.username)
    assert client.get(reverse("admin:index")).status_code == 302
    assert AuditEvent.objects.filter(action="administrator.withdraw", actor_label="manage.py").exists()


def test_the_security_administrator_lifts_a_pause_and_removes_a_lost_second_factor(duty, client, password):
    from allauth.mfa.models import Authenticator

    counselor = give_totp(UserFactory())
    _secadmin, admin_client = duty(AdministratorKind.SECURITY)
    changelist = reverse("admin:centers_user_changelist")
    response = admin_client.post(
        changelist, {"action": "remove_second_factors", "_selected_action": [counselor.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=counselor).exists()
    assert AuditEvent.objects.filter(action="mfa.reset", object_id=str(counselor.pk)).exists()
    # The system administrator has neither action.
    _sysadmin, system_client = duty(AdministratorKind.SYSTEM)
    page = system_client.get(changelist).content.decode()
    assert "remove_second_factors" not in page and "unlock_sign_in" not in page


def test_administrators_acts_carry_their_duty_in_the_audit_log(duty, station):
    user, client = duty(AdministratorKind.SYSTEM)
    client.post(
        reverse("admin:centers_station_change", args=[station.pk]),
        {"name": "改名后的服务站", "code": station.code, "center": station.center_id, "is_active": "on"},
    )
    row = AuditEvent.objects.filter(actor=user, action__startswith="admin.").latest("id")
    assert row.role == "administrator:system"


def test_a_superuser_is_refused_in_production(settings, client_for):
    root = give_totp(UserFactory(is_superuser=True, is_staff=True))
    settings.PRODUCTION = True
    assert client_for(root).get(reverse("admin:index")).status_code == 302  # the admin does not let them in
    with pytest.raises(SystemCheckError, match="fucheng.E011"):
        call_command("check", deploy=True)
    call_command("grant_administrator", "--demote-superuser", root.username)
    root.refresh_from_db()
    assert not root.is_superuser
    assert fucheng_administrator_checks(None) == []  # nothing left to refuse


def test_check_deploy_names_a_person_with_two_duties(settings, center):
    person = UserFactory(username="two-hats")
    Administrator.objects.create(user=person, kind=AdministratorKind.SECURITY)
    Membership.objects.create(user=person, center=center, role=Role.AUDITOR)  # behind the services' back
    settings.PRODUCTION = True
    with pytest.raises(SystemCheckError, match="two-hats"):
        call_command("check", deploy=True)


def test_each_auditor_reads_their_own_rows_and_the_deployment_auditor_all(
    duty, client_for, make_staff, center, other_center
):
    audit_record(actor=None, action="matrix.here", center_id=center.pk)
    audit_record(actor=None, action="matrix.there", center_id=other_center.pk)
    audit_record(actor=None, action="matrix.nowhere")  # a sign-in, an administrator's act: no center
    center_auditor = make_staff(Role.AUDITOR)
    shown = {row.action for row in _rows(client_for(center_auditor))}
    assert "matrix.here" in shown and "matrix.there" not in shown and "matrix.nowhere" not in shown
    deployment_auditor, deployment_client = duty(AdministratorKind.AUDIT)
    assert deployment_client.get(reverse("centers:landing"))["Location"] == reverse("centers:audit_log")
    shown = {row.action for row in _rows(deployment_client)}
    assert {"matrix.here", "matrix.there", "matrix.nowhere"} <= shown
    # The deployment auditor changes nothing: the admin site is closed to them.
    assert deployment_client.get(reverse("admin:index")).status_code == 302


def _rows(client):
    response = client.get(reverse("centers:audit_log"), {"action": "matrix"})
    assert response.status_code == 200
    return list(response.context["page"].object_list)
