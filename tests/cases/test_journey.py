"""The issue's 'done when': acute self-check → top of the on-duty queue → escalation → 疏评转介访 → closure."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import tasks
from cases.alerts.models import CrisisAlert
from cases.models import Case, Stage, Tier
from centers.models import Role
from centers.privacy.models import ConsentPurpose
from tests.cases.conftest import ASQ_ACUTE
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_acute_self_check_to_closure(
    client_for, resident_user, resident, on_duty, supervisor, counselor, expert, center, station, make_staff
):
    from cases.services import intake

    calm = ResidentFactory(center=center, station=station, full_name="平静的人")
    intake.case_intake(resident=calm, center=center, channel="walk_in", source="", actor=counselor, tier=Tier.SERIOUS)

    client = client_for(resident_user)
    client.post(reverse("cases:self_check_consent", args=[resident.pk]), {"agree": "on"})
    start = timezone.now()
    response = client.post(
        reverse("cases:self_check_take", args=[resident.pk, "asq"]),
        {k: v for k, v in ASQ_ACUTE.items() if v is not None},
    )
    assert "/self-check/help/" in response["Location"]
    case = Case.objects.get(resident=resident)

    # Within a minute it is at the top of the on-duty counselor's queue.
    page = client_for(on_duty).get(reverse("cases:workspace")).content.decode()
    queue = page.split('data-testid="case-queue"')[1]
    assert queue.index(case.reference) < queue.index("平静的人")
    assert 'data-testid="open-alerts"' in page

    # Nobody acknowledges: the sweep escalates to the supervisor, who sees it on the console.
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert tasks.sweep()["alerts_escalated"] == 1
    assert CrisisAlert.objects.get(case=case).level == 1
    console = client_for(supervisor).get(reverse("cases:console")).content.decode()
    assert case.reference in console

    # The supervisor takes it and it goes through 疏评转介访.
    client = client_for(supervisor)
    alert = CrisisAlert.objects.get(case=case)
    client.post(reverse("cases:alert_ack", args=[alert.pk]))
    client.post(reverse("cases:alert_contact", args=[alert.pk]))
    client.post(reverse("cases:case_consent", args=[case.pk]), {"confirmed": "yes", "obtained_how": "paper"})
    client.post(reverse("cases:case_consult", args=[case.pk]), {"expert": expert.pk, "question": "请评估"})
    for stage in (Stage.ASSESS, Stage.DISPATCH, Stage.INTERVENE, Stage.FOLLOW_UP):
        assert (
            client.post(reverse("cases:case_stage", args=[case.pk]), {"stage": stage, "reason": "ok"}).status_code
            == 302
        )
    # Four eyes: the supervisor who took the case proposes leaving high-risk and a second supervisor confirms;
    # the first closes, and the second (not the one who closed) signs the closure off. The counselor on duty
    # from another station no longer reaches the case once someone else acknowledged its alert.
    second_supervisor = make_staff(Role.SUPERVISOR, display_name="吴督导")
    refused = client_for(on_duty).post(reverse("cases:case_tier", args=[case.pk]), {"tier": 2, "reason": "x"})
    assert refused.status_code == 404
    client = client_for(supervisor)
    client.post(reverse("cases:case_tier", args=[case.pk]), {"tier": Tier.SERIOUS, "reason": "危机解除"})
    client = client_for(second_supervisor)
    confirmed = client.post(reverse("cases:case_tier_confirm", args=[case.pk]), {"approve": "1", "reason": "同意"})
    assert confirmed.status_code == 302
    client = client_for(supervisor)
    client.post(reverse("cases:case_reassess", args=[case.pk]), {"judged_tier": Tier.GENERAL, "rationale": "危机解除"})
    response = client.post(reverse("cases:case_close", args=[case.pk]), {"summary": "安全计划已建立"})
    assert response.status_code == 302
    assert client.post(reverse("cases:case_sign_off", args=[case.pk])).status_code == 400  # not their own closure
    assert client_for(second_supervisor).post(reverse("cases:case_sign_off", args=[case.pk])).status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.signed_off_by == second_supervisor
    assert case.resident.consents.filter(purpose=ConsentPurpose.CASE_RECORD).exists()
    assert case.follow_ups.filter(kind="post_closure").count() == 2
