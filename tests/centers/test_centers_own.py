"""Every center its own numbers: the hotline, the name and the SMS signature follow the person's center."""

import pytest
from django.db import DatabaseError
from django.urls import reverse

from centers.audit.models import AuditEvent
from centers.models import Role
from centers.notify import sms_send
from tests.centers.test_signup import reach_my_page, sign_up, sms_outbox  # noqa: F401  (fixture)
from tests.factories import StationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_centers(center, station, other_center):
    center.hotline, center.sms_signature = "028-1111-0000", "东城心理"
    center.save()
    other_center.hotline, other_center.sms_signature = "028-2222-0000", "西城心理"
    other_center.save()
    far = StationFactory(center=other_center, code="far", name="西城一站")
    return station, far


def strip_of(response) -> str:
    return response.content.decode().split('data-testid="crisis-strip"', 1)[1].split("</aside>", 1)[0]


def test_two_new_residents_of_two_centers_each_see_their_own_centers_number(two_centers, sms_outbox):  # noqa: F811
    near, far = two_centers
    first, _ = sign_up(near, full_name="陈静", phone="13912340001")
    second, _ = sign_up(far, full_name="赵磊", phone="13912340002")
    first_page = reach_my_page(first, sms_outbox, phone="13912340001")
    second_page = reach_my_page(second, sms_outbox, phone="13912340002")

    assert "028-1111-0000" in strip_of(first_page) and "028-2222-0000" not in strip_of(first_page)
    assert "028-2222-0000" in strip_of(second_page) and "028-1111-0000" not in strip_of(second_page)
    assert "12356" in strip_of(first_page) and "12356" in strip_of(second_page)
    assert near.center.name in first_page.content.decode() and far.center.name in second_page.content.decode()
    sms_outbox.clear()
    sms_send(phone="13912340001", text="您的预约已确认。")
    sms_send(phone="13912340002", text="您的预约已确认。")
    assert [m["text"][:6] for m in sms_outbox] == ["【东城心理】", "【西城心理】"]


def test_a_visitor_sees_the_default_center_and_each_centers_page_lists_its_own_stations(client, two_centers, settings):
    near, far = two_centers
    settings.DEFAULT_CENTER_CODE = far.center.code
    home = client.get(reverse("centers:home")).content.decode()
    assert "西城一站" in home and near.name not in home and "028-2222-0000" in home

    own_page = client.get(reverse("centers:center_home", args=[near.center.code]))
    html = own_page.content.decode()
    assert near.name in html and "西城一站" not in html and "028-1111-0000" in strip_of(own_page)
    assert client.get(reverse("centers:center_home", args=["no-such-center"])).status_code == 404


def test_staff_in_two_centers_choose_the_one_they_act_for(client_for, two_centers, make_staff):
    near, far = two_centers
    both = make_staff(Role.SUPERVISOR, center_=near.center)
    make_staff(Role.COUNSELOR, station=far)  # a second person, one center only: no switcher
    from tests.factories import MembershipFactory

    MembershipFactory(user=both, center=far.center, role=Role.SUPERVISOR)
    client = client_for(both)
    before = client.get(reverse("centers:staff_list"))
    assert 'data-testid="center-switcher"' in before.content.decode()
    assert "028-1111-0000" in strip_of(before)

    client.post(reverse("centers:acting_center_choose"), {"center": far.center.pk})
    after = client.get(reverse("centers:resident_home"))
    assert "028-2222-0000" in strip_of(after) and "028-1111-0000" not in strip_of(after)
    assert AuditEvent.objects.filter(action="center.act_for", actor=both, center_id_at=far.center.pk).exists()
    # The staff pages act for the chosen center too.
    staff_page = client.get(reverse("centers:staff_list")).content.decode()
    assert f"{far.center.name}</h1>" in staff_page


def test_a_center_without_a_role_cannot_be_chosen(client_for, two_centers, make_staff):
    near, far = two_centers
    one = make_staff(Role.COUNSELOR, station=near)
    client = client_for(one)
    response = client.post(reverse("centers:acting_center_choose"), {"center": far.center.pk}, follow=True)
    assert "您在该中心没有职务。" in response.content.decode()
    assert "028-1111-0000" in strip_of(client.get(reverse("centers:resident_home")))
    assert 'data-testid="center-switcher"' not in response.content.decode()


def test_the_crisis_page_shows_the_deployment_number_when_the_database_is_down(client, two_centers, monkeypatch):
    import centers.own_numbers

    def down():
        raise DatabaseError("connection refused")

    monkeypatch.setattr(centers.own_numbers, "default_center", down)
    response = client.get(reverse("centers:crisis"))
    assert response.status_code == 200 and "028-8888-0000" in strip_of(response)
