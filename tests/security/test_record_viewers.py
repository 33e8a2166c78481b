"""'Who viewed my record': each resident sees the staff who read or changed their own record (role, station,
time in words), never another person's readers, never their own acts, and looking does not grow the list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from centers.audit.models import AuditEvent
from centers.models import Role
from centers.privacy.selectors import record_viewers
from tests.cases.factories import CaseFactory
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_resident(center, other_station):
    return ResidentFactory(
        center=center, station=other_station, user=UserFactory(), full_name="赵小川", phone="13900001111"
    )


@pytest.fixture
def second_counselor(make_staff, other_station):
    return make_staff(Role.COUNSELOR, station=other_station, display_name="李老师")


@pytest.fixture
def two_cases(resident, second_resident, counselor, second_counselor, station, other_station, center):
    first = CaseFactory(center=center, resident=resident, station=station)
    first.counselors.add(counselor)
    second = CaseFactory(center=center, resident=second_resident, station=other_station)
    second.counselors.add(second_counselor)
    return first, second


def _viewer_items(client) -> list[str]:
    html = client.get(reverse("centers:record_viewers")).content.decode()
    return [part.split("</li>")[0] for part in html.split('data-testid="record-view"')[1:]]


def test_each_resident_sees_the_staff_who_opened_their_own_case_only(
    client, client_for, two_cases, resident, second_resident, counselor, second_counselor
):
    first, second = two_cases
    assert client_for(counselor).get(reverse("cases:case_detail", args=[first.pk])).status_code == 200
    assert client_for(second_counselor).get(reverse("cases:case_detail", args=[second.pk])).status_code == 200
    client.logout()

    mine = _viewer_items(client_for(resident.user))
    # The case page is two reads (the case, its notes), each listed in words with role, station and local time.
    assert len(mine) == 2
    assert all("心理咨询师" in item and "东社区心理服务站" in item and "年" in item for item in mine)
    assert any("查看个案" in item for item in mine) and any("阅读个案记录" in item for item in mine)
    assert not any("西社区心理服务站" in item for item in mine)
    page = client_for(resident.user).get(reverse("centers:record_viewers")).content.decode()
    assert "王老师" not in page and "case.read" not in page  # the role, not the person; words, not codes

    theirs = _viewer_items(client_for(second_resident.user))
    assert len(theirs) == 2
    assert all("西社区心理服务站" in item for item in theirs)


def test_the_residents_own_acts_and_looking_at_the_list_are_not_listed(client_for, two_cases, resident, counselor):
    first, _ = two_cases
    client_for(counselor).get(reverse("cases:case_detail", args=[first.pk]))
    client = client_for(resident.user)
    client.get(reverse("centers:my_data"))
    client.get(reverse("centers:my_data_download"))
    before = _viewer_items(client)
    rows_before = AuditEvent.objects.count()
    again = _viewer_items(client)
    assert again == before and len(again) == 2
    # Looking is itself audited (one row per view), as the person's own act, so it is not on their list.
    assert AuditEvent.objects.count() == rows_before + 1
    assert AuditEvent.objects.filter(action="person.record_views", actor=resident.user).count() == 2


def test_the_service_gives_the_same_entries_and_names_no_staff_member(two_cases, resident, second_resident, counselor):
    first, second = two_cases
    from cases.selectors import case_page_for

    case_page_for(user=counselor, pk=first.pk)
    entries = record_viewers(user=resident.user)
    assert [entry["place"] for entry in entries] == ["东社区心理服务站", "东社区心理服务站"]
    assert all(set(entry) == {"at", "role", "place", "action", "what"} for entry in entries)
    assert record_viewers(user=second_resident.user) == []


def test_staff_and_strangers_have_no_such_page(client_for, counselor, client):
    assert client_for(counselor).get(reverse("centers:record_viewers")).status_code == 404
    client.logout()
    assert client.get(reverse("centers:record_viewers")).status_code == 302
