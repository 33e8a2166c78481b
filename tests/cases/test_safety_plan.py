"""The safety plan (six steps, versioned, encrypted at rest, shown to the person) and emergency contacts (with
their basis; each call an audited act on the case timeline)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Channel, EventKind, Stage
from cases.safety import services
from cases.safety.models import SafetyPlanVersion
from cases.services.intake import case_intake
from cases.services.workflow import case_assign
from centers.audit.models import AuditEvent
from centers.middleware import LAST_SEEN_KEY
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

STEPS = {
    "warning_signs": "整夜睡不着，觉得自己是负担",
    "coping": "听音乐，洗个热水澡",
    "distraction": "去楼下公园散步；找表姐聊天",
    "help_people": "妈妈 13900001111",
    "professionals": "王老师；中心24小时热线；12356",
    "safe_environment": "药交给妈妈保管",
}


@pytest.fixture(autouse=True)
def _english_messages(english):
    """Refusals are matched in English; the default language is Chinese."""


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time())
    session.save()
    return client


def _case_for(resident, counselor, center) -> Case:
    case, _created = case_intake(resident=resident, center=center, channel=Channel.WALK_IN, source="", actor=counselor)
    case_assign(case=case, counselor=counselor, actor=counselor)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def first(center, station):
    return ResidentFactory(center=center, station=station, user=UserFactory(), full_name="孙一")


@pytest.fixture
def second(center, station):
    return ResidentFactory(center=center, station=station, user=UserFactory(), full_name="李二")


# --- the plan ---------------------------------------------------------------------------------------------------


def test_every_save_is_a_new_version_on_the_timeline(first, counselor, center):
    case = _case_for(first, counselor, center)
    one = services.safety_plan_save(case=case, actor=counselor, steps=STEPS, written_with_person=True)
    two = services.safety_plan_save(
        case=case, actor=counselor, steps={**STEPS, "coping": "深呼吸，写日记"}, written_with_person=True
    )
    assert (one.version, two.version) == (1, 2)
    assert [p.coping for p in SafetyPlanVersion.objects.filter(case=case)] == ["深呼吸，写日记", "听音乐，洗个热水澡"]
    assert list(CaseEvent.objects.filter(case=case, kind=EventKind.SAFETY_PLAN).values_list("to_value", flat=True)) == [
        "2",
        "1",
    ]
    assert AuditEvent.objects.filter(action="case.safety_plan_save", object_id=str(case.pk)).count() == 2


def test_the_plan_is_encrypted_at_rest(first, counselor, center):
    case = _case_for(first, counselor, center)
    plan = services.safety_plan_save(case=case, actor=counselor, steps=STEPS, written_with_person=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT warning_signs, safe_environment FROM {SafetyPlanVersion._meta.db_table} WHERE id = %s", [plan.pk]
        )
        raw_signs, raw_environment = cursor.fetchone()
    assert raw_signs.startswith("fernet:") and "睡不着" not in raw_signs
    assert raw_environment.startswith("fernet:") and "妈妈" not in raw_environment
    assert SafetyPlanVersion.objects.get(pk=plan.pk).warning_signs == STEPS["warning_signs"]


def test_an_empty_plan_or_one_not_written_with_the_person_is_refused(first, counselor, center):
    case = _case_for(first, counselor, center)
    with pytest.raises(ValidationError, match="at least one step"):
        services.safety_plan_save(case=case, actor=counselor, steps={}, written_with_person=True)
    with pytest.raises(ValidationError, match="written together with the person"):
        services.safety_plan_save(case=case, actor=counselor, steps=STEPS, written_with_person=False)
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED, closed_at=timezone.now())
    with pytest.raises(ValidationError, match="closed"):
        services.safety_plan_save(case=case, actor=counselor, steps=STEPS, written_with_person=True)
    assert not SafetyPlanVersion.objects.exists()


def test_the_counselor_writes_through_the_page_and_staff_see_the_history(
    first, counselor, supervisor, other_counselor, center
):
    case = _case_for(first, counselor, center)
    client = _client(counselor)
    url = reverse("cases:case_safety_plan", args=[case.pk])
    refused = client.post(url, {**STEPS, "written_with_person": ""})
    assert refused.status_code == 400 and "written together with the person" in refused.content.decode()
    assert STEPS["coping"] in refused.content.decode()  # what was typed is kept
    assert client.post(url, {**STEPS, "written_with_person": "on"}).status_code == 302
    assert client.post(url, {**STEPS, "coping": "给表姐打电话", "written_with_person": "on"}).status_code == 302
    page = client.get(url).content.decode()
    assert "Version 2" in page and "给表姐打电话" in page  # the form starts from the plan in force
    history = _client(supervisor).get(reverse("cases:case_safety_plan_history", args=[case.pk])).content.decode()
    assert history.count('data-testid="plan-version-card"') == 2 and "听音乐" in history and "给表姐打电话" in history
    assert _client(other_counselor).get(url).status_code == 404  # another station's counselor
    assert "Version 2" in client.get(case.get_absolute_url()).content.decode()


def test_each_resident_sees_only_their_own_current_plan(first, second, counselor, center, make_staff):
    one = _case_for(first, counselor, center)
    _case_for(second, counselor, center)
    services.safety_plan_save(case=one, actor=counselor, steps=STEPS, written_with_person=True)
    services.safety_plan_save(
        case=one, actor=counselor, steps={**STEPS, "coping": "最新的应对方法"}, written_with_person=True
    )
    home = _client(first.user).get(reverse("centers:resident_home")).content.decode()
    assert reverse("cases:my_safety_plan") in home
    mine = _client(first.user).get(reverse("cases:my_safety_plan")).content.decode()
    assert "最新的应对方法" in mine and "听音乐" not in mine and "12356" in mine
    theirs = _client(second.user).get(reverse("cases:my_safety_plan")).content.decode()
    assert 'data-testid="no-safety-plan"' in theirs and "最新的应对方法" not in theirs
    assert AuditEvent.objects.filter(action="case.safety_plan_read_by_person", actor=first.user).exists()
    assert _client(counselor).get(reverse("cases:my_safety_plan")).status_code == 404


# --- emergency contacts ---------------------------------------------------------------------------------------


def test_an_emergency_contact_used_is_on_the_timeline_and_audited(first, counselor, center):
    case = _case_for(first, counselor, center)
    mother = services.emergency_contact_add(
        case=case, actor=counselor, name="孙母", relation="母亲", phone="0755-12345678", basis="consent"
    )
    neighbour = services.emergency_contact_add(
        case=case, actor=counselor, name="邻居老周", relation="邻居", phone="13900002222", basis="imminent_danger"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM cases_emergencycontact WHERE id = %s", [mother.pk])
        raw_name, raw_phone = cursor.fetchone()
    assert "孙母" not in raw_name and "12345678" not in raw_phone
    with pytest.raises(ValidationError, match="not consented"):
        services.emergency_contact_use(
            contact=neighbour, actor=counselor, contacted_at=timezone.now(), basis="consent", outcome="x"
        )
    with pytest.raises(ValidationError, match="what imminent danger"):
        services.emergency_contact_use(
            contact=neighbour, actor=counselor, contacted_at=timezone.now(), basis="imminent_danger", outcome="x"
        )
    with pytest.raises(ValidationError, match="future"):
        services.emergency_contact_use(
            contact=mother,
            actor=counselor,
            contacted_at=timezone.now() + dt.timedelta(hours=2),
            basis="consent",
            outcome="x",
        )
    at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(minutes=10)
    services.emergency_contact_use(
        contact=mother, actor=counselor, contacted_at=at, basis="consent", outcome="母亲已赶到陪伴"
    )
    event = CaseEvent.objects.get(case=case, kind=EventKind.EMERGENCY_CONTACT_USED)
    assert "孙母" in event.reason and timezone.localtime(at).strftime("%H:%M") in event.reason
    assert "母亲已赶到陪伴" in event.reason and event.actor == counselor
    assert AuditEvent.objects.filter(action="case.emergency_contact_use", object_id=str(case.pk)).count() == 1


def test_emergency_contacts_through_the_pages(first, counselor, other_counselor, center):
    case = _case_for(first, counselor, center)
    client = _client(counselor)
    url = reverse("cases:case_emergency_contacts", args=[case.pk])
    bad = client.post(url, {"name": "孙母", "relation": "母亲", "phone": "打电话给我", "basis": "consent"})
    assert bad.status_code == 400 and "Enter a phone number" in bad.content.decode()
    assert (
        client.post(
            url, {"name": "孙母", "relation": "母亲", "phone": "13900001111", "basis": "imminent_danger"}
        ).status_code
        == 302
    )
    contact = case.emergency_contacts.get()
    use_url = reverse("cases:emergency_contact_use", args=[contact.pk])
    when = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    refused = client.post(use_url, {"contacted_at": when, "basis": "imminent_danger", "outcome": "已到场"})
    assert refused.status_code == 400 and "what imminent danger" in refused.content.decode()
    done = client.post(
        use_url, {"contacted_at": when, "basis": "imminent_danger", "danger": "已准备药物", "outcome": "母亲已到场"}
    )
    assert done.status_code == 302
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Emergency contact contacted" in page and "母亲已到场" in page
    assert _client(other_counselor).get(use_url).status_code == 404


def test_the_persons_download_holds_their_current_plan(first, second, counselor, center):
    case = _case_for(first, counselor, center)
    _case_for(second, counselor, center)
    services.safety_plan_save(case=case, actor=counselor, steps=STEPS, written_with_person=True)
    mine = _client(first.user).get(reverse("centers:my_data_download")).json()
    assert mine["cases"][0]["safety_plan"]["safe_environment"] == STEPS["safe_environment"]
    theirs = _client(second.user).get(reverse("centers:my_data_download")).json()
    assert theirs["cases"][0]["safety_plan"] is None
