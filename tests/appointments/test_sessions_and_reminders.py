import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentStatus, Feedback, Reminder, ReminderStatus
from appointments.services.booking import appointment_book, appointment_reschedule
from appointments.services.feedback import feedback_give
from appointments.services.reminders import reminders_send_due
from appointments.services.sessions import session_check_in, session_complete, session_no_show
from centers.messaging.models import OutboundMessage
from centers.models import Role

pytestmark = pytest.mark.django_db

# A booking three days ahead: the confirmation and both reminders, by email and by SMS.
EVERY_MESSAGE = [
    ("24h", "email"),
    ("24h", "sms"),
    ("2h", "email"),
    ("2h", "sms"),
    ("confirm", "email"),
    ("confirm", "sms"),
]


def book(slot, resident, days_before=3):
    return appointment_book(
        slot=slot, resident=resident, booked_by=resident.user, now=slot.starts_at - dt.timedelta(days=days_before)
    )


def test_the_counselor_checks_in_and_completes_and_the_resident_rates(client_for, counselor, resident_user, slot):
    appointment = book(slot, resident_user.resident)
    staff = client_for(counselor)
    day = timezone.localdate(slot.starts_at)
    page = staff.get(reverse("appointments:day"), {"day": day}).content.decode()
    assert "林小雨" in page and reverse("appointments:check_in", args=[appointment.pk]) in page
    session_check_in(appointment=appointment, actor=counselor, now=slot.starts_at - dt.timedelta(minutes=5))
    session_complete(appointment=appointment, actor=counselor, now=slot.ends_at)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED
    assert appointment.reminders.filter(kind="feedback", status="pending").exists()
    resident = client_for(resident_user)
    page = resident.get(appointment.get_absolute_url()).content.decode()
    assert 'name="rating"' in page and 'for="id_comment"' in page
    resident.post(reverse("appointments:feedback", args=[appointment.pk]), {"rating": 5, "comment": "很有帮助"})
    assert Feedback.objects.get().rating == 5
    with pytest.raises(ValidationError, match="already rated"):
        feedback_give(appointment=appointment, actor=resident_user, rating=4)


def test_session_rules_give_clear_messages(counselor, resident, slot, make_staff, station):
    appointment = book(slot, resident)
    with pytest.raises(ValidationError, match="two hours before"):
        session_check_in(appointment=appointment, actor=counselor, now=slot.starts_at - dt.timedelta(hours=5))
    with pytest.raises(ValidationError, match="after the start"):
        session_no_show(appointment=appointment, actor=counselor, now=slot.starts_at - dt.timedelta(minutes=1))
    with pytest.raises(ValidationError, match="Only a completed session"):
        feedback_give(appointment=appointment, actor=resident.user, rating=5)
    session_no_show(appointment=appointment, actor=counselor, now=slot.ends_at)
    assert appointment.reminders.filter(status="pending").count() == 0


def test_another_counselor_cannot_run_the_session_and_gets_a_404(client_for, make_staff, resident, slot, other_center):
    appointment = book(slot, resident)
    outsider = make_staff(Role.COUNSELOR, center_=other_center)
    response = client_for(outsider).post(reverse("appointments:check_in", args=[appointment.pk]))
    assert response.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_a_resident_cannot_open_the_staff_pages(client_for, resident_user):
    client = client_for(resident_user)
    for name in (
        "appointments:day",
        "appointments:staff_book",
        "appointments:availability",
        "appointments:roster",
        "appointments:waitlist_staff",
        "appointments:calendar",
    ):
        assert client.get(reverse(name)).status_code == 404, name


def test_reminders_are_rows_sent_once_on_time_through_each_channel(resident, slot, sms_outbox):
    booked_at = slot.starts_at - dt.timedelta(days=3)
    appointment = appointment_book(slot=slot, resident=resident, booked_by=resident.user, now=booked_at)
    assert sorted(appointment.reminders.values_list("kind", "channel")) == EVERY_MESSAGE
    assert reminders_send_due(now=booked_at) == 2  # the confirmation, by email and SMS
    assert "王老师" in sms_outbox[0]["text"] and "测试路 1 号" in sms_outbox[0]["text"]
    # A resident's phone may be read over their shoulder: the station's name ("…心理服务站") is left out.
    assert all("心理" not in m["text"] for m in sms_outbox) and all("心理" not in m.body for m in mail.outbox)
    assert "https://portal.example.cn/appointments/" in sms_outbox[0]["text"]
    day_before = slot.starts_at - dt.timedelta(hours=23)
    assert reminders_send_due(now=day_before) == 2
    assert reminders_send_due(now=day_before) == 0  # the sweep twice sends nothing twice
    assert len(sms_outbox) == 2 and len(mail.outbox) == 2
    assert reminders_send_due(now=slot.starts_at - dt.timedelta(hours=1)) == 2
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 6
    # A provider sends each message's registered template, filled with short fields and no name or service.
    local = timezone.localtime(slot.starts_at)
    fields = {
        "date": f"{local.month}月{local.day}日",
        "time": f"{local:%H:%M}",
        "place": appointment.address or appointment.where,
    }
    sms = OutboundMessage.objects.filter(channel="sms").order_by("pk")
    assert [row.template for row in sms] == ["appointment_confirm", "appointment_24h", "appointment_2h"]
    assert all(row.params == fields for row in sms)


def test_a_channel_listed_twice_in_the_settings_still_gives_one_row_per_message(resident, slot, settings):
    settings.APPOINTMENT_REMINDER_CHANNELS = ["email", "sms", "email"]
    appointment = book(slot, resident)
    assert sorted(appointment.reminders.values_list("kind", "channel")) == EVERY_MESSAGE


def test_a_moved_appointment_gets_no_stale_reminder(resident, slot, make_slot, sms_outbox):
    later = make_slot(days=5, hour=9)
    booked_at = slot.starts_at - dt.timedelta(days=3)
    appointment = appointment_book(slot=slot, resident=resident, booked_by=resident.user, now=booked_at)
    reminders_send_due(now=booked_at)
    sms_outbox.clear()
    moved = appointment_reschedule(appointment=appointment, new_slot=later, actor=resident.user, now=booked_at)
    assert not appointment.reminders.filter(status="pending").exists()
    reminders_send_due(now=slot.starts_at - dt.timedelta(hours=1))
    texts = [m["text"] for m in sms_outbox]
    old_time = timezone.localtime(slot.starts_at).strftime("%H:%M")
    assert all("Reminder" not in t or old_time not in t for t in texts)
    assert moved.reminders.filter(kind="24h", status="pending").exists()


def test_a_cancelled_appointment_gets_a_cancellation_notice_and_no_reminder(
    client_for, resident_user, slot, sms_outbox
):
    appointment = appointment_book(slot=slot, resident=resident_user.resident, booked_by=resident_user)
    client_for(resident_user).post(reverse("appointments:cancel", args=[appointment.pk]), {"confirmed": "yes"})
    reminders_send_due(now=timezone.now())
    reminders_send_due(now=slot.starts_at - dt.timedelta(hours=1))
    texts = [m["text"] for m in sms_outbox]
    assert any("cancelled" in t for t in texts)
    assert not any(t.startswith("Reminder") for t in texts)


def test_a_child_without_a_phone_is_reminded_through_the_guardian(resident, child, slot, sms_outbox):
    appointment_book(slot=slot, resident=child, booked_by=resident.user, now=slot.starts_at - dt.timedelta(days=3))
    reminders_send_due(now=slot.starts_at - dt.timedelta(days=3))
    assert sms_outbox[0]["phone"] == resident.phone and "林小树" in sms_outbox[0]["text"]


def test_messages_carry_no_reason(resident, slot, sms_outbox):
    appointment_book(
        slot=slot,
        resident=resident,
        booked_by=resident.user,
        reason="家庭矛盾",
        now=slot.starts_at - dt.timedelta(days=3),
    )
    reminders_send_due(now=slot.starts_at - dt.timedelta(hours=1))
    assert sms_outbox and not any("家庭矛盾" in m["text"] for m in sms_outbox)


def test_the_beat_sweep_is_scheduled_every_minute():
    from fucheng.celery import app

    assert app.conf.beat_schedule["appointments-sweep"]["schedule"] == 60.0
