"""A supervisor creates staff accounts and withdraws roles; nobody else can."""

import pytest
from django.urls import reverse

from centers.audit.models import AuditEvent
from centers.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def test_a_supervisor_creates_a_counselor_account_for_a_station(client_for, supervisor, station):
    client = client_for(supervisor)
    response = client.post(
        reverse("centers:staff_create"),
        {
            "email": "new@example.cn",
            "display_name": "新老师",
            "role": Role.COUNSELOR,
            "station": station.pk,
            "phone": "13700000000",
        },
        follow=True,
    )
    assert "新老师" in response.content.decode()
    user = User.objects.get(email="new@example.cn")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, station=station, role=Role.COUNSELOR, is_active=True).exists()
    assert AuditEvent.objects.filter(action="membership.grant", actor=supervisor).exists()
    listing = client.get(reverse("centers:staff_list")).content.decode()
    assert "137****0000" in listing and "13700000000" not in listing


def test_a_bad_staff_form_keeps_what_was_typed_and_writes_nothing(client_for, supervisor):
    response = client_for(supervisor).post(
        reverse("centers:staff_create"),
        {"email": "mgr@example.cn", "display_name": "赵站长", "role": Role.STATION_MANAGER, "station": ""},
    )
    assert response.status_code == 200
    assert "站点负责人必须指定服务站" in response.content.decode()
    assert 'value="mgr@example.cn"' in response.content.decode()
    assert not User.objects.filter(email="mgr@example.cn").exists()


def test_an_existing_email_is_refused_with_a_message(client_for, supervisor, counselor):
    response = client_for(supervisor).post(
        reverse("centers:staff_create"), {"email": counselor.email.upper(), "display_name": "x", "role": Role.COUNSELOR}
    )
    assert "该电子邮箱已注册账户" in response.content.decode()


def test_a_supervisor_withdraws_a_role(client_for, supervisor, counselor):
    membership = Membership.objects.get(user=counselor)
    client_for(supervisor).post(reverse("centers:staff_revoke", args=[membership.pk]))
    membership.refresh_from_db()
    assert not membership.is_active
    assert AuditEvent.objects.filter(action="membership.revoke", object_id=str(membership.pk)).exists()


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.OFFICIAL, Role.AUDITOR, Role.STATION_MANAGER])
def test_other_roles_cannot_manage_staff(client_for, make_staff, station, role):
    user = make_staff(role, station=station if role in (Role.COUNSELOR, Role.STATION_MANAGER) else None)
    client = client_for(user)
    assert client.get(reverse("centers:staff_list")).status_code == 404
    assert client.post(reverse("centers:staff_create"), {"email": "a@b.cn"}).status_code == 404


def test_another_centers_supervisor_gets_404_on_a_membership(client_for, make_staff, other_center, counselor):
    other_supervisor = make_staff(Role.SUPERVISOR, center_=other_center)
    membership = Membership.objects.get(user=counselor)
    response = client_for(other_supervisor).post(reverse("centers:staff_revoke", args=[membership.pk]))
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.is_active
