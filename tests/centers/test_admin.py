"""The admin is the deployment administrators' (centers.admin): Django's staff flag and model permissions grant
nothing; a system administrator sees every center's organisation rows and no resident."""

import pytest
from django.contrib.auth.models import Permission

from centers.models import Administrator, AdministratorKind, Role
from tests.factories import ResidentFactory, StationFactory, UserFactory, give_totp

pytestmark = pytest.mark.django_db


def test_a_supervisor_with_the_old_staff_flag_and_permissions_is_not_let_in(client_for, make_staff, center):
    supervisor = make_staff(Role.SUPERVISOR, is_staff=True)
    supervisor.user_permissions.add(*Permission.objects.filter(codename__in=["view_resident", "view_station"]))
    ResidentFactory(center=center, full_name="本中心居民")
    response = client_for(supervisor).get("/admin/centers/resident/")
    assert response.status_code == 302 and "本中心居民" not in response.content.decode()


def test_the_system_administrator_sees_every_centers_stations(client_for, center, other_center):
    StationFactory(center=center, name="本中心的站")
    StationFactory(center=other_center, name="外中心的站")
    system_admin = give_totp(UserFactory())
    Administrator.objects.create(user=system_admin, kind=AdministratorKind.SYSTEM)
    html = client_for(system_admin).get("/admin/centers/station/").content.decode()
    assert "本中心的站" in html and "外中心的站" in html


def test_the_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_nobody_but_a_superuser_on_a_laptop_sees_audit_rows_in_the_admin(client_for, make_staff):
    auditor = make_staff(Role.AUDITOR, is_staff=True)
    auditor.user_permissions.add(*Permission.objects.filter(codename="view_auditevent"))
    assert client_for(auditor).get("/admin/centers/auditevent/").status_code == 302
    security_admin = give_totp(UserFactory())
    Administrator.objects.create(user=security_admin, kind=AdministratorKind.SECURITY)
    assert client_for(security_admin).get("/admin/centers/auditevent/").status_code == 403
