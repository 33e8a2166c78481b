"""The resident's self-check: separate consent, code scoring, guidance without tiers, the crisis page on acute risk."""

import pytest
from django.urls import reverse

from cases.alerts.models import CrisisAlert
from cases.models import Case, Tier
from cases.screenings.models import Screening
from centers.audit.models import AuditEvent
from centers.models import Resident
from centers.privacy.models import ConsentPurpose, ConsentRecord
from centers.privacy.services import consent_give
from tests.cases.conftest import ASQ_ACUTE, ASQ_NON_ACUTE, gad7, phq9
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post(answers):
    return {k: v for k, v in answers.items() if v is not None}


@pytest.fixture
def consented(resident, resident_user):
    consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=resident_user)
    return resident


def test_the_questionnaire_asks_for_consent_first(client_for, resident_user, resident):
    client = client_for(resident_user)
    response = client.get(reverse("cases:self_check_take", args=[resident.pk, "phq9"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:self_check_consent", args=[resident.pk])
    page = client.get(response["Location"]).content.decode()
    assert "自评问卷" in page or "self-screening" in page
    response = client.post(reverse("cases:self_check_consent", args=[resident.pk]), {"agree": "on"})
    assert response.status_code == 302
    assert ConsentRecord.objects.filter(resident=resident, purpose=ConsentPurpose.SCREENING).exists()


def test_consent_needs_the_box_ticked(client_for, resident_user, resident):
    response = client_for(resident_user).post(reverse("cases:self_check_consent", args=[resident.pk]), {})
    assert response.status_code == 200
    assert not ConsentRecord.objects.exists()


def test_a_child_under_14_cannot_consent_alone_but_the_guardian_can(
    client_for, center, station, resident, resident_user
):
    import datetime as dt

    from django.utils import timezone

    child_user = UserFactory()
    child = ResidentFactory(
        center=center,
        station=station,
        user=child_user,
        guardian=resident,
        birth_date=timezone.localdate() - dt.timedelta(days=365 * 10),
    )
    response = client_for(child_user).post(reverse("cases:self_check_consent", args=[child.pk]), {"agree": "on"})
    assert "guardian" in response.content.decode() or "监护人" in response.content.decode()
    assert not ConsentRecord.objects.filter(resident=child).exists()
    client_for(resident_user).post(reverse("cases:self_check_consent", args=[child.pk]), {"agree": "on"})
    assert ConsentRecord.objects.get(resident=child).by_guardian


def test_a_low_score_gives_guidance_and_no_case(client_for, resident_user, consented):
    client = client_for(resident_user)
    response = client.post(reverse("cases:self_check_take", args=[consented.pk, "phq9"]), phq9(3), follow=True)
    assert response.status_code == 200
    assert 'data-testid="guidance"' in response.content.decode()
    assert Screening.objects.get().score == 3
    assert not Case.objects.exists()


def test_a_positive_screening_opens_a_case_and_the_resident_sees_no_tier(client_for, resident_user, consented):
    response = client_for(resident_user).post(
        reverse("cases:self_check_take", args=[consented.pk, "gad7"]), gad7(16), follow=True
    )
    page = response.content.decode()
    case = Case.objects.get(resident=consented)
    assert case.tier == Tier.SERIOUS and case.channel == "screening"
    for label in ("严重", "高危", "一般", "Serious", "High-risk", "tier"):
        assert label not in page.split('data-testid="guidance"')[1].split("</main>")[0]


def test_acute_answers_lead_to_the_crisis_page_and_a_high_risk_alert(client_for, resident_user, consented, on_duty):
    response = client_for(resident_user).post(
        reverse("cases:self_check_take", args=[consented.pk, "asq"]), _post(ASQ_ACUTE)
    )
    screening = Screening.objects.get()
    assert response["Location"] == reverse("cases:self_check_help", args=[screening.pk])
    page = client_for(resident_user).get(response["Location"]).content.decode()
    assert 'data-testid="team-alerted"' in page and "tel:12356" in page and "tel:120" in page
    # The page says which number the team will call (masked), never promising a call it cannot make.
    number = consented.phone
    assert f"{number[:3]}****{number[-4:]}" in page and 'data-testid="callback-other-number"' in page
    case = Case.objects.get()
    assert case.tier == Tier.HIGH_RISK
    assert CrisisAlert.objects.filter(case=case, acknowledged_at__isnull=True).exists()


def test_a_person_without_a_number_is_asked_for_one_instead_of_promised_a_call(
    english, client_for, resident_user, consented, on_duty
):
    Resident.objects.filter(pk=consented.pk).update(phone="")
    resident_user.phone, resident_user.phone_verified = "", False
    resident_user.save()
    response = client_for(resident_user).post(
        reverse("cases:self_check_take", args=[consented.pk, "asq"]), _post(ASQ_ACUTE)
    )
    page = client_for(resident_user).get(response["Location"]).content.decode()
    assert "we have no phone number to call you back on" in page and "Someone will call you" not in page
    assert 'data-testid="callback-leave-number"' in page and "tel:12356" in page


def test_phq9_item9_of_two_is_acute_too(client_for, resident_user, consented, on_duty):
    response = client_for(resident_user).post(
        reverse("cases:self_check_take", args=[consented.pk, "phq9"]), phq9(6, item9=2)
    )
    assert "/self-check/help/" in response["Location"]
    assert Case.objects.get().tier == Tier.HIGH_RISK


def test_the_non_acute_asq_is_serious(client_for, resident_user, consented):
    client_for(resident_user).post(reverse("cases:self_check_take", args=[consented.pk, "asq"]), _post(ASQ_NON_ACUTE))
    assert Case.objects.get().tier == Tier.SERIOUS


def test_missing_answers_are_refused_with_a_message(client_for, resident_user, consented):
    answers = phq9(5)
    del answers["q4"]
    response = client_for(resident_user).post(reverse("cases:self_check_take", args=[consented.pk, "phq9"]), answers)
    assert response.status_code == 400
    assert "请回答" in response.content.decode() or "Please answer" in response.content.decode()
    assert not Screening.objects.exists()


def test_out_of_range_answers_are_refused(client_for, resident_user, consented):
    answers = phq9(5)
    answers["q2"] = 7
    response = client_for(resident_user).post(reverse("cases:self_check_take", args=[consented.pk, "phq9"]), answers)
    assert response.status_code == 400
    assert not Screening.objects.exists()


def test_asq_yes_without_acuity_answer_is_refused(client_for, resident_user, consented):
    response = client_for(resident_user).post(
        reverse("cases:self_check_take", args=[consented.pk, "asq"]), {"q1": 1, "q2": 0, "q3": 0, "q4": 0}
    )
    assert response.status_code == 400
    assert not Screening.objects.exists()


def test_a_resident_cannot_take_or_see_anothers_self_check(client_for, resident_user, center, station, consented):
    other = ResidentFactory(center=center, station=station, user=UserFactory())
    client = client_for(resident_user)
    assert client.get(reverse("cases:self_check_take", args=[other.pk, "phq9"])).status_code == 404
    consent_give(resident=other, purpose=ConsentPurpose.SCREENING, actor=other.user)
    client_for(other.user).post(reverse("cases:self_check_take", args=[other.pk, "phq9"]), phq9(2))
    theirs = Screening.objects.get(resident=other)
    client = client_for(resident_user)
    assert client.get(reverse("cases:self_check_result", args=[theirs.pk])).status_code == 404


def test_a_resident_can_reach_no_case_page(client_for, resident_user, consented, open_case):
    client = client_for(resident_user)
    for name in ("cases:case_list", "cases:workspace", "cases:case_new"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("cases:case_detail", args=[open_case.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="case.read", outcome="denied", object_id=str(open_case.pk)).exists()


def test_the_unknown_instrument_is_404(client_for, resident_user, consented):
    assert (
        client_for(resident_user).get(reverse("cases:self_check_take", args=[consented.pk, "mmse"])).status_code == 404
    )


def test_after_withdrawal_no_new_screening_is_taken(client_for, resident_user, consented):
    from centers.privacy.services import consent_withdraw

    consent_withdraw(resident=consented, purpose=ConsentPurpose.SCREENING, actor=resident_user)
    response = client_for(resident_user).post(reverse("cases:self_check_take", args=[consented.pk, "phq9"]), phq9(3))
    assert response.status_code == 302 and "consent" in response["Location"]
    assert not Screening.objects.exists()


def test_a_guardian_takes_the_self_check_for_a_child(client_for, resident_user, resident, center, station, on_duty):
    import datetime as dt

    from django.utils import timezone

    child = ResidentFactory(
        center=center, station=station, guardian=resident, birth_date=timezone.localdate() - dt.timedelta(days=365 * 9)
    )
    client = client_for(resident_user)
    client.post(reverse("cases:self_check_consent", args=[child.pk]), {"agree": "on"})
    client.post(reverse("cases:self_check_take", args=[child.pk, "phq9"]), phq9(16))
    case = Case.objects.get(resident=child)
    assert case.tier == Tier.SERIOUS and "minor" in case.special_tags


def test_answers_are_encrypted_at_rest(client_for, resident_user, consented):
    from django.db import connection

    client_for(resident_user).post(reverse("cases:self_check_take", args=[consented.pk, "phq9"]), phq9(3))
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM cases_screening")
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and '"q1"' not in stored  # quotes never occur in the ciphertext
    assert Screening.objects.get().answers["q1"] == 3
