"""A risk phrase in an online message raises a high-risk crisis alert in the same request: the case is opened
at high risk, the on-duty counselor gets the alert in their workspace and messages, and the resident is shown
the hotlines and what happens next at once."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.alerts.models import CrisisAlert, Notification
from cases.consult import services
from cases.models import Case, Tier
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_writer(center, station):
    person = ResidentFactory(center=center, station=station, user=UserFactory(), full_name="孙晓", phone="13766667777")
    consent_give(resident=person, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=person.user)
    return person


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_risk_message_alerts_the_crisis_team_at_once_through_the_service(writer, night):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好，我想聊聊")
    assert not CrisisAlert.objects.exists()  # an ordinary message alerts nobody
    services.message_send(conversation=conversation, actor=writer.user, text="我不想活了，药已经准备好了")
    conversation.refresh_from_db()
    case = Case.objects.get(resident=writer)
    assert case.tier == Tier.HIGH_RISK and conversation.case == case
    alert = CrisisAlert.objects.get(case=case, acknowledged_at__isnull=True)
    assert alert.reason == "online_consult"
    assert [r.source for r in alert.requests.all()] == ["online_consult"]
    assert Notification.objects.filter(alert=alert, user=night, channel="workspace").exists()
    assert Notification.objects.filter(alert=alert, channel="sms", address=night.phone).exists()
    # The person's side shows it as a system line.
    assert conversation.messages.filter(event="crisis_alerted").count() == 1


def test_the_same_category_again_does_not_page_twice_but_a_new_one_does(writer, night):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="我想死")
    services.message_send(conversation=conversation, actor=writer.user, text="真的好想死")
    alert = CrisisAlert.objects.get(case__resident=writer)
    assert Notification.objects.filter(user=night, channel="workspace").count() == 1
    services.message_send(conversation=conversation, actor=writer.user, text="我刚才又割腕了")
    assert [r.source for r in alert.requests.all()] == ["online_consult", "online_consult"]
    assert Notification.objects.filter(user=night, channel="workspace").count() == 2


def test_abuse_marks_the_conversation_without_paging(writer, night):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="我在学校被欺负")
    conversation.refresh_from_db()
    assert conversation.risk_flagged and not CrisisAlert.objects.exists()


@pytest.mark.parametrize(
    ("who", "text"), [("writer", "好想从楼上跳下去"), ("second_writer", "I took a whole bottle of sleeping pills")]
)
def test_through_the_pages_the_resident_sees_the_hotlines_and_the_counselor_the_alert(request, who, text, night):
    person = request.getfixturevalue(who)
    resident_client = _client(person.user)
    response = resident_client.post(reverse("consult:home"), {"person": person.pk, "text": text})
    assert response.status_code == 302
    page = resident_client.get(response["Location"]).content.decode()
    assert 'data-testid="consult-risk-help"' in page
    for number in ("12356", "110", "120", "028-8888-0000"):
        assert f"tel:{number}" in page
    assert "我们无法保证具体多久" in page and "通常在" not in page
    # Within the same request, the counselor on duty has the alert in the workspace and in their messages.
    case = Case.objects.get(resident=person)
    workspace = _client(night).get(reverse("cases:workspace")).content.decode()
    assert 'data-testid="open-alerts"' in workspace and case.reference in workspace
    assert Notification.objects.filter(alert__case=case, user=night, channel="workspace").exists()


def test_a_message_written_before_the_consent_is_kept_and_sent_once_it_is_given(center, station, night):
    """Nothing the person wrote is lost: the consent page carries the message and sends it on agreeing."""
    stranger = ResidentFactory(center=center, station=station, user=UserFactory(), full_name="新来的", phone="")
    client = _client(stranger.user)
    asked = client.post(reverse("consult:home"), {"person": stranger.pk, "text": "我不想活了，药已经准备好了"})
    page = asked.content.decode()
    assert asked.status_code == 200 and 'data-testid="message-kept"' in page and "药已经准备好了" in page
    assert not CrisisAlert.objects.exists()
    done = client.post(
        reverse("consult:consent", args=[stranger.pk]), {"agree": "on", "text": "我不想活了，药已经准备好了"}
    )
    assert done.status_code == 302
    conversation = stranger.conversations.get()
    assert done["Location"] == conversation.get_absolute_url()
    assert [m.body for m in conversation.messages.all() if m.kind == "resident"] == ["我不想活了，药已经准备好了"]
    assert CrisisAlert.objects.filter(case__resident=stranger, acknowledged_at__isnull=True).exists()
