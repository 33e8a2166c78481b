"""A callback request without an account: routed as high-risk, limited per number and per address."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from cases.alerts.models import CallbackRequest, CrisisAlert, Notification
from cases.models import Case, Tier
from cases.services import callbacks as callback_services
from centers.audit.models import AuditEvent
from centers.models import Resident

pytestmark = pytest.mark.django_db


def _ask(center, phone, name="", address="203.0.113.7"):
    return callback_services.visitor_callback_request(center=center, phone=phone, name=name, client_address=address)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("028-88880000", "028-88880000"),
        ("02888880000", "028-88880000"),
        ("0755 1234567", "0755-1234567"),
        ("138 1234 1234", "13812341234"),
        ("+86 13812341234", "13812341234"),
    ],
)
def test_mobile_and_landline_numbers_are_accepted(typed, stored):
    assert callback_services.phone_normalise(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "88880000", "1381234123", "abc", ""])
def test_a_bad_number_is_refused_with_a_sentence(typed, center):
    with pytest.raises(ValidationError) as refused:
        _ask(center, typed)
    assert "028-88880000" in refused.value.message_dict["phone"][0]
    assert not Case.objects.exists() and not Resident.objects.exists()


def test_two_visitors_each_get_a_high_risk_alert_to_the_team_on_duty(center, on_duty):
    first = _ask(center, "028-88880000", name="李先生")
    second = _ask(center, "13600001111")
    assert first.alert_id != second.alert_id
    for request, phone in ((first, "028-88880000"), (second, "13600001111")):
        case = request.alert.case
        assert case.tier == Tier.HIGH_RISK and case.channel == "help_now" and case.resident.user is None
        assert request.source == "visitor" and request.phone == phone and request.alert.callback_phone == phone
        assert Notification.objects.filter(alert=request.alert, user=on_duty, channel="workspace").exists()
    assert first.alert.case.resident.full_name == "李先生"
    assert second.alert.case.resident.phone == "13600001111"
    assert AuditEvent.objects.filter(action="callback.visitor", actor_label="visitor").count() == 2


def test_the_client_address_is_kept_only_as_a_hash(center, on_duty):
    request = _ask(center, "028-88880000", address="198.51.100.23")
    assert request.client_key and "198.51.100.23" not in request.client_key
    assert not AuditEvent.objects.filter(detail__icontains="198.51.100.23").exists()


def test_the_same_number_again_adds_a_request_and_notifies_again(center, on_duty):
    first = _ask(center, "028-88880000")
    again = _ask(center, "028 8888 0000")
    assert again.alert_id == first.alert_id and Case.objects.count() == 1
    assert list(first.alert.requests.values_list("source", flat=True)) == ["visitor", "visitor"]
    assert Notification.objects.filter(user=on_duty, channel="workspace").count() == 2


def test_with_nobody_on_duty_the_supervisors_are_alerted(center, supervisor):
    request = _ask(center, "028-88880000")
    assert Notification.objects.filter(alert=request.alert, user=supervisor, channel="workspace").exists()


def test_limited_per_number_without_writing_anything(center, on_duty, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # no cache needed
    for _n in range(callback_services.per_number_limit()):
        _ask(center, "028-88880000")
    before = (CallbackRequest.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError) as refused:
        _ask(center, "028-88880000", address="192.0.2.99")
    assert "110" in refused.value.messages[0]
    assert (CallbackRequest.objects.count(), Notification.objects.count()) == before


def test_limited_per_address(center, on_duty):
    numbers = [f"1360000{n:04d}" for n in range(callback_services.per_address_limit() + 1)]
    for number in numbers[:-1]:
        _ask(center, number, address="203.0.113.50")
    with pytest.raises(ValidationError):
        _ask(center, numbers[-1], address="203.0.113.50")
    _ask(center, numbers[-1], address="203.0.113.51")  # another address is not held back
    assert CrisisAlert.objects.count() == len(numbers)


# --- through the page ------------------------------------------------------------------------------


def test_a_visitor_leaves_a_landline_on_the_help_page_and_the_counselor_sees_it(center, on_duty, client_for):
    client = Client()
    page = client.get(reverse("cases:help_now")).content.decode()
    assert 'data-testid="visitor-callback"' in page and 'name="phone"' in page
    response = client.post(reverse("cases:help_now"), {"phone": "028-88880000", "name": "王阿姨", "center": center.pk})
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert "我们已收到您的请求" in done and "028-88880000" in done and "我们无法保证具体多久" in done
    for number in ("12356", "110", "120"):
        assert f"tel:{number}" in done
    workspace = client_for(on_duty).get(reverse("cases:workspace")).content.decode()
    assert 'data-testid="open-alerts"' in workspace and "tel:028-88880000" in workspace


def test_two_visitors_on_the_page_and_the_limit_keeps_what_was_typed(center, on_duty, settings):
    settings.FUCHENG_VISITOR_CALLBACKS_PER_NUMBER = 1
    first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")
    assert first.post(reverse("cases:help_now"), {"phone": "13611112222", "center": center.pk}).status_code == 302
    assert second.post(reverse("cases:help_now"), {"phone": "010-12345678", "center": center.pk}).status_code == 302
    assert CrisisAlert.objects.count() == 2
    refused = second.post(reverse("cases:help_now"), {"phone": "010-12345678", "name": "老周", "center": center.pk})
    page = refused.content.decode()
    assert refused.status_code == 400 and "110" in page
    assert 'value="010-12345678"' in page and 'value="老周"' in page
    assert CallbackRequest.objects.count() == 2


def test_with_two_centers_the_visitor_chooses_theirs(center, other_center, make_staff):
    from centers.models import Role
    from tests.factories import put_on_duty

    far = make_staff(Role.COUNSELOR, center_=other_center)
    put_on_duty(far, other_center)
    client = Client()
    page = client.get(reverse("cases:help_now")).content.decode()
    assert other_center.name in page and center.name in page
    client.post(reverse("cases:help_now"), {"phone": "13611112222", "center": other_center.pk})
    alert = CrisisAlert.objects.get()
    assert alert.center == other_center
    assert Notification.objects.filter(alert=alert, user=far, channel="workspace").exists()
