"""'I need help now': hotlines for everyone, an urgent callback for a signed-in resident, routed as high-risk."""

import pytest
from django.urls import reverse

from cases.models import Case, CrisisAlert, Notification, Tier

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_get_the_hotlines_and_a_sign_in_link(client):
    response = client.get(reverse("cases:help_now"))
    page = response.content.decode()
    assert response.status_code == 200
    for number in ("12356", "110", "120", "028-8888-0000"):
        assert f"tel:{number}" in page
    assert reverse("account_login") in page


def test_anonymous_post_asks_to_sign_in_and_creates_nothing(client):
    response = client.post(reverse("cases:help_now"), {"phone": "13812341234"})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not Case.objects.exists()


def test_a_resident_asks_for_a_callback_and_the_team_on_duty_is_alerted(client_for, resident_user, resident, on_duty):
    response = client_for(resident_user).post(reverse("cases:help_now"), {"phone": "13812341234"}, follow=True)
    assert response.status_code == 200
    case = Case.objects.get(resident=resident)
    assert case.tier == Tier.HIGH_RISK and case.channel == "help_now"
    alert = CrisisAlert.objects.get(case=case)
    assert alert.callback_phone == "13812341234"
    assert Notification.objects.filter(alert=alert, user=on_duty, channel="workspace").exists()
    # ... and it is at the top of the on-duty counselor's queue.
    page = client_for(on_duty).get(reverse("cases:workspace")).content.decode()
    assert 'data-testid="open-alerts"' in page and case.reference in page


def test_a_bad_callback_number_is_refused(client_for, resident_user, resident):
    response = client_for(resident_user).post(reverse("cases:help_now"), {"phone": "12345"})
    assert response.status_code == 200
    assert not Case.objects.exists()
