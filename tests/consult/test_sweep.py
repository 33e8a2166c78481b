"""The minute sweep: nobody waits unseen (10 minutes → the duty team, 20 → the supervisors), and open
conversations pass to the next counselor at the end of a shift, with the note."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from cases import tasks
from cases.alerts.models import Notification
from cases.consult import selectors, services
from cases.consult.models import ConversationStatus, Handover, MessageKind, SystemEvent
from cases.services import notifications
from centers.messaging.models import OutboundMessage
from centers.models import Role
from tests.consult.conftest import put_on_duty

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)  # 03:00 in Beijing: the night shift


@pytest.fixture
def night_at_t0(make_staff, center):
    user = make_staff(Role.COUNSELOR, display_name="夜班王老师", email="night@example.cn", phone="13700000009")
    put_on_duty(user, center, start=T0 - dt.timedelta(hours=3), hours=6)
    return user


@pytest.fixture
def colleague_at_t0(make_staff, center):
    user = make_staff(Role.COUNSELOR, display_name="夜班李老师", email="li@example.cn")
    put_on_duty(user, center, start=T0 - dt.timedelta(hours=3), hours=6, crisis_team=False)
    return user


def _start_at(writer, when, text="你好，有人在吗"):
    with time_machine.travel(when, tick=False):
        return services.conversation_start(actor=writer.user, resident=writer, text=text)


def test_unanswered_for_ten_minutes_alerts_the_whole_duty_team(
    writer, night_at_t0, colleague_at_t0, supervisor, sms_outbox
):
    conversation = _start_at(writer, T0)
    assert services.conversations_alert_due(now=T0 + dt.timedelta(minutes=9, seconds=59)) == 0
    assert not Notification.objects.filter(conversation=conversation).exists()

    assert services.conversations_alert_due(now=T0 + dt.timedelta(minutes=10)) == 1
    rows = Notification.objects.filter(conversation=conversation, level=1)
    assert {(r.channel, r.address) for r in rows} == {
        ("workspace", f"user:{night_at_t0.pk}"),
        ("email", "night@example.cn"),
        ("sms", "13700000009"),
        ("workspace", f"user:{colleague_at_t0.pk}"),
        ("email", "li@example.cn"),
    }
    assert not Notification.objects.filter(conversation=conversation, address="supervisor@example.cn").exists()
    # Running the sweep again alerts nobody twice.
    assert services.conversations_alert_due(now=T0 + dt.timedelta(minutes=11)) == 0
    assert Notification.objects.filter(conversation=conversation).count() == 5

    # The notification path of crisis alerts sends email and SMS once; no names, no message text.
    assert notifications.notifications_send() == 3
    assert notifications.notifications_send() == 0
    assert {m.to[0] for m in mail.outbox} == {"night@example.cn", "li@example.cn"}
    assert conversation.reference in mail.outbox[0].subject and "10" in mail.outbox[0].subject
    assert f"/consult/staff/{conversation.pk}/" in mail.outbox[0].body
    assert writer.full_name not in mail.outbox[0].body + sms_outbox[0]["text"]
    assert "有人在吗" not in mail.outbox[0].body

    # Still waiting at twice the time: the supervisors too.
    assert services.conversations_alert_due(now=T0 + dt.timedelta(minutes=20)) == 1
    assert Notification.objects.filter(conversation=conversation, level=2, address="supervisor@example.cn").exists()
    conversation.refresh_from_db()
    assert conversation.wait_alert_level == 2


def test_a_conversation_taken_in_time_alerts_nobody(writer, night_at_t0):
    conversation = _start_at(writer, T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=4), tick=False):
        services.conversation_take(conversation=conversation, actor=night_at_t0)
    assert services.conversations_alert_due(now=T0 + dt.timedelta(minutes=30)) == 0
    assert not Notification.objects.filter(conversation=conversation).exists()


def test_the_wait_is_a_setting_of_each_center(writer, night_at_t0, center):
    center.conversation_wait_minutes = 5
    center.save()
    _start_at(writer, T0)
    assert services.conversations_alert_due(now=T0 + dt.timedelta(minutes=5)) == 1


def test_with_nobody_on_duty_the_supervisors_and_the_contact_hear_at_once(writer, supervisor):
    conversation = _start_at(writer, T0)
    assert services.conversations_alert_due(now=T0 + dt.timedelta(minutes=10)) == 1
    addresses = set(Notification.objects.filter(conversation=conversation).values_list("address", flat=True))
    assert {f"user:{supervisor.pk}", "supervisor@example.cn", "duty@example.cn", "13900000110"} <= addresses


def test_a_team_member_alerted_may_take_it_from_the_workspace(writer, night_at_t0, colleague_at_t0):
    conversation = _start_at(writer, T0)
    services.conversations_alert_due(now=T0 + dt.timedelta(minutes=10))
    with time_machine.travel(T0 + dt.timedelta(minutes=11), tick=False):
        assert [c.pk for c in selectors.waiting_for_staff(user=colleague_at_t0)] == [conversation.pk]
        services.conversation_take(conversation=conversation, actor=colleague_at_t0)


def test_the_beat_sweep_runs_the_conversation_checks(writer, night_at_t0):
    _start_at(writer, T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        result = tasks.sweep()
    assert result["conversations_alerted"] == 1 and result["sent"] == 2


def test_hand_over_at_the_end_of_the_shift(writer, make_staff, center, sms_outbox):
    evening = make_staff(Role.COUNSELOR, display_name="晚班赵老师")
    night = make_staff(Role.COUNSELOR, display_name="夜班王老师", phone="13700000077", phone_verified=True)
    put_on_duty(evening, center, start=T0 - dt.timedelta(hours=6), hours=6)  # ends at T0
    put_on_duty(night, center, start=T0, hours=8)
    conversation = _start_at(writer, T0 - dt.timedelta(minutes=30))
    with time_machine.travel(T0 - dt.timedelta(minutes=29), tick=False):
        services.conversation_take(conversation=conversation, actor=evening)
        services.conversation_handover_note(conversation=conversation, actor=evening, note="失眠三周，今晚情绪平稳")

    assert services.conversations_hand_over_due(now=T0 - dt.timedelta(minutes=1)) == 0  # still on shift
    assert services.conversations_hand_over_due(now=T0 + dt.timedelta(minutes=1)) == 1
    assert services.conversations_hand_over_due(now=T0 + dt.timedelta(minutes=2)) == 0  # once
    conversation.refresh_from_db()
    assert conversation.counselor == night and conversation.status == ConversationStatus.OPEN
    handover = Handover.objects.get(conversation=conversation)
    assert (handover.from_user, handover.to_user, handover.note, handover.by_sweep) == (
        evening,
        night,
        "失眠三周，今晚情绪平稳",
        True,
    )
    assert conversation.handover_note == ""
    # The resident sees that the counselor changed (and to whom), never the note.
    line = conversation.messages.filter(kind=MessageKind.SYSTEM).last()
    assert (line.event, line.author_label) == (SystemEvent.HANDED_OVER, "夜班王老师")
    assert [c.pk for c in selectors.mine_for_staff(user=night)] == [conversation.pk]
    assert selectors.mine_for_staff(user=evening) == []
    services.message_send(conversation=conversation, actor=night, text="你好，我是接班的王老师")
    # The counselor who takes over is told on their phone and in the workspace, once, without the note.
    notifications.notifications_send()
    told = Notification.objects.filter(user=night, key=f"handover:{handover.pk}")
    assert sorted(told.values_list("channel", flat=True)) == ["email", "sms", "workspace"]
    [sms] = [m for m in sms_outbox if m["phone"] == "13700000077"]
    assert conversation.reference in sms["text"] and "失眠" not in sms["text"]
    assert reverse("consult:staff_conversation", args=[conversation.pk]) in sms["text"]
    # Its own kind and template, not a risk alert's, and not at crisis priority.
    row = OutboundMessage.objects.get(address="13700000077")
    assert (row.kind, row.template, row.priority) == ("handover", "handover", 5)


def test_no_hand_over_when_nobody_is_on_the_next_shift(writer, make_staff, center):
    evening = make_staff(Role.COUNSELOR, display_name="晚班赵老师")
    put_on_duty(evening, center, start=T0 - dt.timedelta(hours=6), hours=6)
    conversation = _start_at(writer, T0 - dt.timedelta(minutes=30))
    with time_machine.travel(T0 - dt.timedelta(minutes=29), tick=False):
        services.conversation_take(conversation=conversation, actor=evening)
    assert services.conversations_hand_over_due(now=T0 + dt.timedelta(minutes=1)) == 0
    conversation.refresh_from_db()
    assert conversation.counselor == evening


def test_a_counselor_hands_over_now_with_a_note(writer, night, make_staff, center):
    import django.utils.timezone as tz

    colleague = make_staff(Role.COUNSELOR, display_name="李老师")
    put_on_duty(colleague, center, start=tz.now() - dt.timedelta(hours=1))
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    services.conversation_take(conversation=conversation, actor=night)
    services.conversation_hand_over(conversation=conversation, actor=night, note="请继续关注")
    conversation.refresh_from_db()
    assert conversation.counselor == colleague
    assert Handover.objects.get(conversation=conversation).by_sweep is False
