"""The queue lists exactly the cases each person may open: the UNION behind cases.policies.visible_case_ids
has one branch per reason (center, station, assignment, consultation, crisis alert) and must agree with the
object-level rule, can_view_case."""

import pytest
from django.utils import timezone

from cases import selectors
from cases.models import Case, Channel, Stage
from cases.policies import can_view_case, case_visible_to, in_visible_cases
from cases.services import consultations as consultation_services
from cases.services import intake as intake_services
from cases.services import workflow as workflow_services
from cases.workspace import intakes_new
from centers.models import Role
from tests.factories import ResidentFactory, put_on_duty

pytestmark = pytest.mark.django_db


@pytest.fixture
def night(make_staff, other_station, center):
    """A counselor of the other station on the crisis team tonight: crisis alerts reach them."""
    user = make_staff(Role.COUNSELOR, station=other_station, display_name="夜班老师")
    put_on_duty(user, center)
    return user


def test_the_queue_holds_exactly_the_open_cases_each_person_may_open(
    center,
    station,
    other_station,
    counselor,
    other_counselor,
    far_counselor,
    supervisor,
    expert,
    night,
    volunteer,
    official,
    make_staff,
):
    center_wide = make_staff(Role.COUNSELOR, display_name="中心老师")  # no station: the whole center

    def intake(at, channel=Channel.WALK_IN):
        person = ResidentFactory(center=center, station=at)
        case, _ = intake_services.case_intake(resident=person, center=center, channel=channel, source="", actor=None)
        return case

    here = intake(station)
    there = intake(other_station)
    assigned_there = intake(other_station)
    workflow_services.case_assign(case=assigned_there, counselor=counselor, actor=supervisor)
    alerted_here = intake(station, Channel.HELP_NOW)  # the crisis team on duty (night) is alerted
    closed_here = intake(station)
    closed_assigned_there = intake(other_station)  # reachable by counselor only through the assignment
    workflow_services.case_assign(case=closed_assigned_there, counselor=counselor, actor=supervisor)
    Case.objects.filter(pk__in=[closed_here.pk, closed_assigned_there.pk]).update(
        stage=Stage.CLOSED, closed_at=timezone.now()
    )
    consultation_services.consultation_request(case=there, expert=expert, question="风险评估？", actor=other_counselor)

    def queue(user, **kwargs):
        return {case.pk for case in selectors.case_list(user=user, **kwargs)}

    assert queue(counselor) == {here.pk, assigned_there.pk, alerted_here.pk}
    assert queue(counselor, include_closed=True) == {
        here.pk,
        assigned_there.pk,
        alerted_here.pk,
        closed_here.pk,
        closed_assigned_there.pk,
    }
    assert queue(other_counselor) == {there.pk, assigned_there.pk}
    assert queue(night) == {there.pk, assigned_there.pk, alerted_here.pk}
    assert queue(supervisor) == {here.pk, there.pk, assigned_there.pk, alerted_here.pk}
    # Without a station: the center's unassigned serious and high-risk cases (and their own, their alerts).
    assert queue(center_wide) == {alerted_here.pk}
    assert queue(far_counselor) == queue(volunteer) == queue(official) == set()
    assert set(Case.objects.filter(in_visible_cases(expert)).values_list("pk", flat=True)) == {there.pk}
    assert {a.case_id for a in selectors.alerts_for_user(user=night)} == {alerted_here.pk}
    assert not selectors.alerts_for_user(user=far_counselor).exists()
    for user in (counselor, other_counselor, night, supervisor, far_counselor, center_wide, expert):
        every = {case.pk for case in Case.objects.all() if can_view_case(user, case)}
        assert set(Case.objects.filter(in_visible_cases(user)).values_list("pk", flat=True)) == every, user
    for user in (counselor, other_counselor, night, supervisor, far_counselor, center_wide):
        allowed = {case.pk for case in Case.objects.all() if case.is_open and can_view_case(user, case)}
        assert queue(user) == allowed, user
        # New intakes ask the same rule row by row (workspace_selectors.intakes_new): the unassigned ones.
        unassigned = set(Case.objects.filter(pk__in=allowed, assigned_at__isnull=True).values_list("pk", flat=True))
        assert {case.pk for case in intakes_new(user=user)} == unassigned, user
    assert {case.pk for case in intakes_new(user=counselor)} == {here.pk, alerted_here.pk}


def test_an_expert_sees_consulted_cases_only_while_an_expert_of_their_center(
    center, other_center, open_case, counselor, expert, make_staff
):
    from centers.models import Membership, User

    consultation_services.consultation_request(case=open_case, expert=expert, question="风险评估？", actor=counselor)
    assert set(Case.objects.filter(in_visible_cases(expert)).values_list("pk", flat=True)) == {open_case.pk}
    Membership.objects.filter(user=expert, center=center).update(is_active=False)
    Membership.objects.create(user=expert, center=other_center, role=Role.EXPERT)
    expert = User.objects.get(pk=expert.pk)  # memberships are read once per user object
    assert not can_view_case(expert, open_case)
    assert not Case.objects.filter(in_visible_cases(expert)).exists()
    assert not Case.objects.filter(case_visible_to(expert)).exists()
