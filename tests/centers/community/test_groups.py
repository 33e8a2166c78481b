"""Service groups: formed by the center, their caseload from the apps holding work, dissolved after handover."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from centers import hooks
from centers.audit.models import AuditEvent
from centers.models import Role, ServiceGroup, ServiceNeed

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(center, station, counselor, volunteer):
    group = ServiceGroup.objects.create(
        center=center, station=station, name="阳光家庭小组", need=ServiceNeed.FAMILY_DIVORCE
    )
    group.members.set([counselor, volunteer])
    return group


@pytest.fixture
def open_work(monkeypatch):
    """A stand-in for the cases app: one open case and one follow-up due for the group given."""
    monkeypatch.setattr(hooks, "_providers", hooks.defaultdict(list, {k: list(v) for k, v in hooks._providers.items()}))
    work: dict[int, list[dict]] = {}

    def provider(*, group):
        return work.get(group.pk, [])

    hooks.register("group_open_work", provider)
    return work


def test_the_supervisor_forms_a_group_with_counselors_and_volunteers(
    client_for, supervisor, station, counselor, volunteer
):
    response = client_for(supervisor).post(
        reverse("centers:group_create"),
        {
            "name": "青苗成长小组",
            "need": ServiceNeed.YOUTH,
            "station": station.pk,
            "members": [counselor.pk, volunteer.pk],
        },
        follow=True,
    )
    html = response.content.decode()
    assert "青苗成长小组" in html and "Service group formed." in html
    group = ServiceGroup.objects.get(name="青苗成长小组")
    assert set(group.members.all()) == {counselor, volunteer}
    assert AuditEvent.objects.filter(action="service_group.create", object_id=str(group.pk)).exists()


def test_members_must_be_counselors_or_volunteers_of_the_center(client_for, supervisor, station, official):
    response = client_for(supervisor).post(
        reverse("centers:group_create"),
        {"name": "x", "need": ServiceNeed.YOUTH, "station": station.pk, "members": [official.pk]},
    )
    assert response.status_code == 200
    assert not ServiceGroup.objects.filter(name="x").exists()


def test_the_group_page_shows_its_caseload_and_what_is_due(client_for, supervisor, group, open_work):
    due = timezone.now() + dt.timedelta(days=2)
    open_work[group.pk] = [
        {"kind": "follow_up", "label": "随访：个案 C-0002", "due_at": due, "url": "/cases/2/"},
        {"kind": "case", "label": "个案 C-0001（一般）", "due_at": None, "url": ""},
    ]
    html = client_for(supervisor).get(reverse("centers:group_detail", args=[group.pk])).content.decode()
    assert html.count('data-testid="open-work"') == 2
    assert html.index("随访：个案 C-0002") < html.index("个案 C-0001（一般）")  # the due one first
    assert 'href="/cases/2/"' in html
    assert "吴芳" in html


def test_a_group_with_open_work_cannot_be_dissolved_and_the_message_lists_it(client_for, supervisor, group, open_work):
    open_work[group.pk] = [{"kind": "case", "label": "个案 C-0001", "due_at": None, "url": ""}]
    response = client_for(supervisor).post(reverse("centers:group_dissolve", args=[group.pk]), follow=True)
    html = response.content.decode()
    assert "Hand over the group" in html and "个案 C-0001" in html
    group.refresh_from_db()
    assert group.is_active and group.dissolved_at is None
    open_work[group.pk] = []
    response = client_for(supervisor).post(reverse("centers:group_dissolve", args=[group.pk]), follow=True)
    assert "The group is dissolved." in response.content.decode()
    group.refresh_from_db()
    assert not group.is_active and group.dissolved_at is not None
    assert AuditEvent.objects.filter(action="service_group.dissolve").exists()


def test_changing_members(client_for, supervisor, group, counselor):
    client_for(supervisor).post(reverse("centers:group_members", args=[group.pk]), {"members": [counselor.pk]})
    assert list(group.members.all()) == [counselor]


def test_station_staff_see_their_groups_but_cannot_dissolve(client_for, make_staff, group, station, other_station):
    manager = make_staff(Role.STATION_MANAGER, station=station)
    client = client_for(manager)
    assert "阳光家庭小组" in client.get(reverse("centers:group_list")).content.decode()
    assert client.get(reverse("centers:group_detail", args=[group.pk])).status_code == 200
    assert client.post(reverse("centers:group_dissolve", args=[group.pk])).status_code == 404
    assert client.get(reverse("centers:group_create")).status_code == 404
    other = make_staff(Role.STATION_MANAGER, station=other_station)
    assert client_for(other).get(reverse("centers:group_detail", args=[group.pk])).status_code == 404


def test_another_centers_supervisor_gets_404(client_for, make_staff, other_center, group):
    stranger = make_staff(Role.SUPERVISOR, center_=other_center)
    client = client_for(stranger)
    assert client.get(reverse("centers:group_detail", args=[group.pk])).status_code == 404
    assert client.post(reverse("centers:group_dissolve", args=[group.pk])).status_code == 404
