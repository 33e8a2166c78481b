"""Access ends with the role, and least privilege inside a center, through the services and the pages.

A crisis alert, an assignment, a follow-up or a consultation opens a case only while the person holds a
role at that center that may do the act; an alert that reached someone outside the station stops opening
the case once somebody else acknowledges it or the case is no longer high-risk. A counselor without a
station works the center's queue (unassigned, serious or high-risk), their own cases and their alerts.
Each rule is shown with two people: the one it changes and one it leaves alone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.follow_ups.models import FollowUp
from cases.models import Case, Channel, Consultation, Tier
from cases.services import alerts as alert_services
from cases.services import consultations as consultation_services
from cases.services import follow_ups as follow_up_services
from cases.services import intake as intake_services
from cases.services import workflow as workflow_services
from centers.models import Membership, Role, User
from centers.services import account_deactivate, membership_revoke
from tests.cases.factories import CaseFactory
from tests.centers.community.factories import TrainingRecordFactory
from tests.factories import ResidentFactory, UserFactory, put_on_duty

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def withdraw(user, supervisor):
    """The supervisor withdraws every role the person holds (the staff page's "withdraw" button); returns
    the person as read afresh (their roles are read once per user object, as once per request)."""
    for membership in Membership.objects.filter(user=user, is_active=True):
        membership_revoke(actor=supervisor, membership=membership)
    return User.objects.get(pk=user.pk)


def case_page(case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


@pytest.fixture
def night_team(make_staff, other_station, center):
    """Two counselors of the other station on the crisis team tonight: alerts of the station reach both."""
    people = []
    for name in ("夜班甲老师", "夜班乙老师"):
        user = make_staff(Role.COUNSELOR, station=other_station, display_name=name)
        put_on_duty(user, center)
        people.append(user)
    return people


@pytest.fixture
def help_now_case(center, station):
    """A resident of the station asks for help now: a high-risk case with an alert to the crisis team."""
    person = ResidentFactory(
        center=center, station=station, user=UserFactory(), full_name="求助居民甲", phone="13812349876"
    )
    return intake_services.help_now_request(actor=person.user)


def test_an_alert_from_outside_the_station_stops_opening_the_case_once_someone_else_acknowledges_it(
    night_team, help_now_case
):
    first, second = night_team
    alert = help_now_case.alerts.get()
    assert {n.user_id for n in alert.notifications.all()} >= {first.pk, second.pk}
    for person in night_team:
        assert signed_in(person).get(case_page(help_now_case)).status_code == 200

    alert_services.alert_acknowledge(alert=alert, actor=first)

    page = signed_in(first).get(case_page(help_now_case))
    assert page.status_code == 200  # the one who took it works the case now
    refused = signed_in(second).get(case_page(help_now_case))
    assert refused.status_code == 404
    assert "求助居民甲" not in refused.content.decode()
    assert not selectors.alerts_for_user(user=second).exists()
    assert (
        signed_in(second).post(reverse("cases:case_phase", args=[help_now_case.pk]), {"phase": "during"}).status_code
        == 404
    )


def test_an_alert_from_outside_the_station_stops_opening_the_case_when_it_is_no_longer_high_risk(
    night_team, help_now_case
):
    assert help_now_case.tier == Tier.HIGH_RISK
    for person in night_team:
        assert signed_in(person).get(case_page(help_now_case)).status_code == 200
    # Confirmed by two supervisors on the case page; here the outcome only.
    Case.objects.filter(pk=help_now_case.pk).update(tier=Tier.SERIOUS)
    for person in night_team:
        assert signed_in(person).get(case_page(help_now_case)).status_code == 404


def test_a_withdrawn_counselor_no_longer_opens_or_changes_the_cases_they_were_alerted_about_or_given(
    night_team, help_now_case, supervisor, center, other_station
):
    first, second = night_team
    # Both were alerted; both are also given a case at the third person's station.
    given = {}
    for person in night_team:
        resident = ResidentFactory(center=center, station=help_now_case.station)
        case, _ = intake_services.case_intake(
            resident=resident, center=center, channel=Channel.WALK_IN, source="", actor=None
        )
        workflow_services.case_assign(case=case, counselor=person, actor=supervisor)
        given[person.pk] = case
    for person in night_team:
        client = signed_in(person)
        assert client.get(case_page(help_now_case)).status_code == 200
        assert client.get(case_page(given[person.pk])).status_code == 200

    phases = dict(Case.objects.values_list("pk", "crisis_phase"))
    first = withdraw(first, supervisor)

    client = signed_in(first)
    for case in (help_now_case, given[first.pk]):
        response = client.get(case_page(case))
        assert response.status_code == 404
        assert case.resident.full_name not in response.content.decode()
        assert client.post(reverse("cases:case_phase", args=[case.pk]), {"phase": "during"}).status_code == 404
        assert client.post(reverse("cases:case_phase", args=[case.pk]), {"phase": "after"}).status_code == 404
    assert dict(Case.objects.values_list("pk", "crisis_phase")) == phases
    with pytest.raises(PermissionDenied):
        workflow_services.case_set_phase(case=given[first.pk], phase="during", actor=first)
    # The other one, still a counselor, keeps both.
    client = signed_in(second)
    assert client.get(case_page(help_now_case)).status_code == 200
    assert client.get(case_page(given[second.pk])).status_code == 200
    assert client.post(reverse("cases:case_phase", args=[given[second.pk].pk]), {"phase": "during"}).status_code == 302


def test_a_withdrawn_volunteer_no_longer_opens_or_completes_their_follow_up(make_staff, station, center, supervisor):
    volunteers = []
    for name in ("志愿者甲", "志愿者乙"):
        user = make_staff(Role.VOLUNTEER, station=station, display_name=name)
        TrainingRecordFactory(center=center, user=user)
        volunteers.append(user)
    tasks = {
        person.pk: FollowUp.objects.create(
            case=CaseFactory(center=center, station=station, resident=ResidentFactory(center=center, station=station)),
            center=center,
            station=station,
            due_at=timezone.now() + dt.timedelta(days=1),
            assigned_to=person,
        )
        for person in volunteers
    }
    first, second = volunteers
    for person in volunteers:
        client = signed_in(person)
        assert client.get(reverse("cases:follow_up_done", args=[tasks[person.pk].pk])).status_code == 200
        assert tasks[person.pk].case.resident.full_name in client.get(reverse("cases:volunteer_tasks")).content.decode()

    first = withdraw(first, supervisor)

    client = signed_in(first)
    url = reverse("cases:follow_up_done", args=[tasks[first.pk].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reached": "1", "outcome": "已联系"}).status_code == 404
    assert FollowUp.objects.get(pk=tasks[first.pk].pk).done_at is None
    with pytest.raises(PermissionDenied):
        follow_up_services.follow_up_complete(follow_up=tasks[first.pk], actor=first, reached=True)
    assert not selectors.volunteer_tasks(user=first).exists()
    # The other volunteer still completes theirs.
    client = signed_in(second)
    response = client.post(reverse("cases:follow_up_done", args=[tasks[second.pk].pk]), {"reached": "1"})
    assert response.status_code == 302
    assert FollowUp.objects.get(pk=tasks[second.pk].pk).done_at is not None


def test_a_withdrawn_expert_no_longer_reads_the_question_or_gives_advice(make_staff, open_case, counselor, supervisor):
    experts = [make_staff(Role.EXPERT, display_name=name) for name in ("孙教授", "李教授")]
    asked = {
        person.pk: consultation_services.consultation_request(
            case=open_case, expert=person, question="自伤风险如何评估？", actor=counselor
        )
        for person in experts
    }
    first, second = experts
    for person in experts:
        page = signed_in(person).get(reverse("cases:consultation_advise", args=[asked[person.pk].pk]))
        assert page.status_code == 200
        assert "自伤风险如何评估" in page.content.decode()

    first = withdraw(first, supervisor)

    client = signed_in(first)
    url = reverse("cases:consultation_advise", args=[asked[first.pk].pk])
    response = client.get(url)
    assert response.status_code == 404
    assert "自伤风险如何评估" not in response.content.decode()
    assert client.post(url, {"advice": "建议住院评估"}).status_code == 404
    assert client.get(case_page(open_case)).status_code == 404
    assert Consultation.objects.get(pk=asked[first.pk].pk).advice == ""
    with pytest.raises(PermissionDenied):
        consultation_services.consultation_advise(consultation=asked[first.pk], advice="建议", actor=first)
    assert not selectors.consultations_for_expert(user=first).exists()
    # The other expert still advises.
    response = signed_in(second).post(
        reverse("cases:consultation_advise", args=[asked[second.pk].pk]), {"advice": "建议精神科评估"}
    )
    assert response.status_code == 302
    assert Consultation.objects.get(pk=asked[second.pk].pk).advice == "建议精神科评估"


def test_a_deactivated_counselor_is_signed_out_of_the_cases_they_were_given(make_staff, station, center, supervisor):
    counselors = [make_staff(Role.COUNSELOR, station=station, display_name=n) for n in ("甲老师", "乙老师")]
    cases = {}
    for person in counselors:
        resident = ResidentFactory(center=center, station=station)
        case, _ = intake_services.case_intake(
            resident=resident, center=center, channel=Channel.WALK_IN, source="", actor=None
        )
        workflow_services.case_assign(case=case, counselor=person, actor=supervisor)
        cases[person.pk] = case
    clients = {person.pk: signed_in(person) for person in counselors}
    account_deactivate(actor=supervisor, user=counselors[0])
    response = clients[counselors[0].pk].get(case_page(cases[counselors[0].pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert clients[counselors[1].pk].get(case_page(cases[counselors[1].pk])).status_code == 200


def test_a_counselor_without_a_station_works_the_queue_their_cases_and_their_alerts_not_every_station(
    make_staff, center, station, other_station, supervisor
):
    first, second = (make_staff(Role.COUNSELOR, display_name=n) for n in ("中心甲老师", "中心乙老师"))

    def intake(at, tier=Tier.GENERAL):
        person = ResidentFactory(center=center, station=at)
        case, _ = intake_services.case_intake(
            resident=person, center=center, channel=Channel.WALK_IN, source="", actor=None
        )
        Case.objects.filter(pk=case.pk).update(tier=tier)
        return Case.objects.get(pk=case.pk)

    general_here = intake(station)
    general_there = intake(other_station)
    serious_unassigned = intake(other_station, Tier.SERIOUS)
    serious_given_away = intake(station, Tier.SERIOUS)
    workflow_services.case_assign(case=serious_given_away, counselor=second, actor=supervisor)
    given_to_first = intake(other_station)
    workflow_services.case_assign(case=given_to_first, counselor=first, actor=supervisor)

    def queue(user):
        return {case.pk for case in selectors.case_list(user=user)}

    assert queue(first) == {serious_unassigned.pk, given_to_first.pk}
    assert queue(second) == {serious_unassigned.pk, serious_given_away.pk}
    client = signed_in(first)
    assert client.get(case_page(serious_unassigned)).status_code == 200
    assert client.get(case_page(given_to_first)).status_code == 200
    for case in (general_here, general_there, serious_given_away):
        response = client.get(case_page(case))
        assert response.status_code == 404
        assert case.resident.full_name not in response.content.decode()
    # The case list page shows the same.
    listing = client.get(reverse("cases:case_list")).content.decode()
    assert serious_unassigned.reference in listing and general_here.reference not in listing
    # A counselor takes a case from the queue; it leaves the other's queue.
    workflow_services.case_assign(case=serious_unassigned, counselor=first, actor=first)
    assert queue(second) == {serious_given_away.pk}
    assert signed_in(second).get(case_page(serious_unassigned)).status_code == 404
    assert queue(supervisor) >= {general_here.pk, general_there.pk, serious_unassigned.pk}


def test_a_withdrawn_counselor_no_longer_reads_or_answers_their_online_conversation(
    make_staff, center, station, supervisor
):
    from cases.consult.models import Conversation, ConversationStatus

    counselors = [make_staff(Role.COUNSELOR, station=station, display_name=n) for n in ("线上甲老师", "线上乙老师")]
    talks = {}
    for person in counselors:
        resident = ResidentFactory(center=center, station=station, user=UserFactory())
        talks[person.pk] = Conversation.objects.create(
            center=center,
            station=station,
            resident=resident,
            started_by=resident.user,
            status=ConversationStatus.OPEN,
            counselor=person,
            taken_at=timezone.now(),
        )
    first, second = counselors
    for person in counselors:
        url = reverse("consult:staff_conversation", args=[talks[person.pk].pk])
        assert signed_in(person).get(url).status_code == 200

    first = withdraw(first, supervisor)

    response = signed_in(first).get(reverse("consult:staff_conversation", args=[talks[first.pk].pk]))
    assert response.status_code == 404
    assert talks[first.pk].resident.full_name not in response.content.decode()
    assert signed_in(second).get(reverse("consult:staff_conversation", args=[talks[second.pk].pk])).status_code == 200
