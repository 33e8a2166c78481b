"""A crisis alert's SMS through Alibaba Cloud's official SDK, against the local stand-in: the registered "alert"
template, filled with the acknowledgement link's token as its one parameter (within the 35-character limit), and
that token, put behind the address the template fixes, acknowledges the alert from the phone."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from cases.models import Channel
from cases.services import intake as intake_services
from cases.services import notifications as notification_services
from centers.messaging.models import OutboundMessage
from centers.models import Role
from tests.factories import give_confirmed_phone, put_on_duty

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_duty(make_staff, center):
    user = make_staff(Role.COUNSELOR, email="night@example.cn", display_name="夜班老师")
    give_confirmed_phone(user, first=13700000009)
    put_on_duty(user, center)
    return user


def test_the_alert_sms_is_the_alert_template_with_the_links_token(aliyun, sms_settings, client, resident, on_duty):
    sms_settings.FUCHENG_MESSAGE_CHANNELS = {
        "sms": "centers.messaging.sms_aliyun.AliyunSMSChannel",
        "email": "centers.messaging.backends.EmailChannel",
    }
    intake_services.case_intake(
        resident=resident, center=resident.center, channel=Channel.HELP_NOW, source="", actor=resident.user
    )

    notification_services.notifications_send()

    [sent] = [params for params in aliyun.state.accepted if params["PhoneNumbers"] == "13700000009"]
    assert sent["TemplateCode"] == "SMS_100003"  # FUCHENG_SMS_TEMPLATES["alert"]
    template_params = json.loads(sent["TemplateParam"])
    assert list(template_params) == ["code"] and len(template_params["code"]) <= 35
    row = OutboundMessage.objects.get(idempotency_key=sent["OutId"])
    assert row.status == "sent" and row.link.endswith(f"/cases/a/{template_params['code']}/")

    answer = client.post(f"/cases/a/{template_params['code']}/")
    assert answer.status_code == 200
    assert resident.cases.get().alerts.get().acknowledged_by == on_duty


def test_the_escalation_contacts_sms_is_a_template_without_the_link(aliyun, sms_settings, center, resident, on_duty):
    """The contact has no account, so no acknowledgement link: the template registered for that case, no params."""
    from cases.services.notifications import contact_notify

    sms_settings.FUCHENG_MESSAGE_CHANNELS = {"sms": "centers.messaging.sms_aliyun.AliyunSMSChannel"}
    sms_settings.FUCHENG_SMS_TEMPLATES = {**sms_settings.FUCHENG_SMS_TEMPLATES, "escalation_no_link": "SMS_100009"}
    center.escalation_contact_phone = "13600000001"
    center.save()
    case, _created = intake_services.case_intake(
        resident=resident, center=center, channel=Channel.HELP_NOW, source="", actor=resident.user
    )
    contact_notify(
        center=center, now=timezone.now(), subject="升级", text="请联系值班", alert=case.alerts.get(), level=2
    )

    notification_services.notifications_send()

    [sent] = [params for params in aliyun.state.accepted if params["PhoneNumbers"] == "13600000001"]
    assert sent["TemplateCode"] == "SMS_100009" and "TemplateParam" not in sent
    assert OutboundMessage.objects.get(idempotency_key=sent["OutId"]).status == "sent"


def test_every_template_name_is_listed_in_the_docs_for_deployments_to_register():
    from pathlib import Path

    from centers.messaging.sms import TEMPLATE_NAMES

    docs = (Path(__file__).resolve().parents[2] / "docs" / "messages.md").read_text()
    assert [name for name in TEMPLATE_NAMES if f"`{name}`" not in docs] == []
