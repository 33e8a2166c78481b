"""The admin keeps the same scope as the pages: an admin user sees only their own center's rows."""

import pytest
from django.contrib.auth.models import Permission

from centers.models import Role
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_admin_lists_only_the_users_center(client_for, make_staff, center, other_center):
    supervisor = make_staff(Role.SUPERVISOR, is_staff=True)
    supervisor.user_permissions.add(*Permission.objects.filter(codename__in=["view_resident", "view_station"]))
    ResidentFactory(center=center, full_name="本中心居民")
    ResidentFactory(center=other_center, full_name="外中心居民")
    html = client_for(supervisor).get("/admin/centers/resident/").content.decode()
    assert "本中心居民" in html
    assert "外中心居民" not in html


def test_another_centers_row_is_404_in_the_admin(client_for, make_staff, other_center):
    supervisor = make_staff(Role.SUPERVISOR, is_staff=True)
    supervisor.user_permissions.add(*Permission.objects.filter(codename__in=["view_resident", "change_resident"]))
    stranger = ResidentFactory(center=other_center, full_name="外中心居民")
    response = client_for(supervisor).get(f"/admin/centers/resident/{stranger.pk}/change/")
    # Django's admin answers a row outside the queryset with a redirect to the index and no data.
    assert response.status_code in (302, 404)
    assert "外中心居民" not in response.content.decode()


def test_the_admin_sign_in_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_nobody_but_a_superuser_sees_audit_rows_in_the_admin(client_for, make_staff):
    auditor = make_staff(Role.AUDITOR, is_staff=True)
    auditor.user_permissions.add(*Permission.objects.filter(codename="view_auditevent"))
    assert client_for(auditor).get("/admin/centers/auditevent/").status_code == 403
