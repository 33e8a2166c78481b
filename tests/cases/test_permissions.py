"""The permission matrix: every outsider role against every page and object of a case gives 404, and changes nothing."""

import pytest
from django.urls import reverse

from cases.follow_ups.models import FollowUp
from cases.models import Case, CaseEvent, Channel, Tier
from cases.services import consultations, intake, referrals, tiers
from centers.models import Role
from tests.factories import PartnerFactory, put_on_duty

pytestmark = pytest.mark.django_db

OUTSIDERS = [
    "other_counselor",
    "far_counselor",
    "volunteer",
    "official",
    "auditor",
    "manager",
    "resident_user",
    "expert",
]

CASE_POSTS = [
    ("cases:case_tier", {"tier": Tier.SERIOUS, "reason": "x"}),
    ("cases:case_tier_confirm", {"approve": "1"}),
    ("cases:case_stage", {"stage": "assess"}),
    ("cases:case_phase", {"phase": "after"}),
    ("cases:case_tags", {"tags": ["minor"]}),
    ("cases:case_assign", {"counselor": 1}),
    ("cases:case_contact", {"reason": "x"}),
    ("cases:case_group", {}),
    ("cases:case_take", {}),
    ("cases:case_consent", {}),
    ("cases:case_alert", {"reason": "x"}),
    ("cases:case_note", {"body": "x"}),
    ("cases:case_referral", {"basis": "consent", "reason": "x"}),
    ("cases:case_consult", {"question": "x"}),
    ("cases:case_reassess", {"judged_tier": 1, "rationale": "x"}),
    ("cases:case_close", {"summary": "x"}),
    ("cases:case_sign_off", {}),
]


@pytest.fixture
def worked_case(open_case, counselor, center, on_duty, expert):
    """A high-risk case with an open alert, a referral, a follow-up and a consultation for someone else."""
    tiers.case_set_tier(case=open_case, tier=Tier.HIGH_RISK, actor=counselor, reason="x")
    referral = referrals.referral_create(
        case=open_case, partner=PartnerFactory(center=center), basis="consent", reason="x", actor=counselor
    )
    return {
        "case": Case.objects.get(pk=open_case.pk),
        "alert": open_case.alerts.get(),
        "referral": referral,
        "follow_up": FollowUp.objects.open().get(case=open_case),
    }


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_everywhere_and_change_nothing(client_for, request, worked_case, who):
    user = request.getfixturevalue(who)
    client = client_for(user)
    case = worked_case["case"]
    events = CaseEvent.objects.count()
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("cases:case_screening", args=[case.pk, "phq9"])).status_code == 404
    for name, data in CASE_POSTS:
        assert client.post(reverse(name, args=[case.pk]), data).status_code == 404, name
    assert client.post(reverse("cases:alert_ack", args=[worked_case["alert"].pk])).status_code == 404
    assert client.post(reverse("cases:alert_contact", args=[worked_case["alert"].pk])).status_code == 404
    assert client.get(reverse("cases:referral_update", args=[worked_case["referral"].pk])).status_code == 404
    assert client.get(reverse("cases:follow_up_assign", args=[worked_case["follow_up"].pk])).status_code == 404
    # Even a volunteer of the case's station sees a follow-up only once it is given to them.
    assert client.get(reverse("cases:follow_up_done", args=[worked_case["follow_up"].pk])).status_code == 404
    assert CaseEvent.objects.count() == events
    assert worked_case["alert"].__class__.objects.get(pk=worked_case["alert"].pk).acknowledged_at is None


def test_an_expert_consulted_on_a_case_may_read_it_but_not_change_it(client_for, worked_case, expert, counselor):
    case = worked_case["case"]
    consultations.consultation_request(case=case, expert=expert, question="?", actor=counselor)
    client = client_for(expert)
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200
    for name, data in CASE_POSTS:
        assert client.post(reverse(name, args=[case.pk]), data).status_code == 404, name
    assert client.post(reverse("cases:alert_ack", args=[worked_case["alert"].pk])).status_code == 404


@pytest.mark.parametrize("who", ["counselor", "supervisor", "on_duty"])
def test_the_people_of_the_case_may_open_it(client_for, request, worked_case, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(reverse("cases:case_detail", args=[worked_case["case"].pk])).status_code == 200


def test_a_crisis_team_member_from_another_station_reaches_the_alerted_case(
    client_for, make_staff, other_station, center, person
):
    night = make_staff(Role.COUNSELOR, station=other_station)
    put_on_duty(night, center, hours=2)
    case, _ = intake.case_intake(resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=None)
    client = client_for(night)
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200
    assert client.post(reverse("cases:alert_ack", args=[case.alerts.get().pk])).status_code == 302
