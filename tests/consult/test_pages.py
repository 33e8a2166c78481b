"""The exchange through the pages: the resident writes, the counselor on duty takes and answers, the new
lines arrive by polling; escaping, limits, permissions, download, the one-step case, the workspace panel."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.consult import services
from cases.consult.models import Conversation, ConversationStatus
from cases.models import EventKind, Tier
from centers.audit.models import AuditEvent
from centers.models import Role
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_resident_sees_who_is_on_duty_how_soon_and_the_hotlines(resident, night, english):
    page = _client(resident.user).get(reverse("consult:home"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "夜班王老师" in text and night.email not in text
    assert "within 10 minutes" in text
    assert "12356" in text and "110" in text
    assert "Pictures and files cannot be sent" in text
    assert "needs a separate consent first" in text


def test_entry_points_on_the_resident_home_and_the_help_page(writer, night, english):
    client = _client(writer.user)
    home = client.get(reverse("centers:resident_home")).content.decode()
    assert reverse("consult:home") in home
    assert reverse("consult:home") in client.get(reverse("cases:help_now")).content.decode()
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    services.conversation_take(conversation=conversation, actor=night)
    services.message_send(conversation=conversation, actor=night, text="在的")
    home = client.get(reverse("centers:resident_home")).content.decode()
    assert "2 new" in home  # the counselor joined, and answered


def test_consent_then_the_whole_exchange_through_the_pages(resident, night, english):
    resident_client = _client(resident.user)
    asked = resident_client.post(reverse("consult:home"), {"person": resident.pk, "text": "我最近总是失眠"})
    # The consent page comes first and carries the message; agreeing sends it.
    assert asked.status_code == 200 and 'data-testid="message-kept"' in asked.content.decode()
    consent_url = reverse("consult:consent", args=[resident.pk])
    start = resident_client.post(consent_url, {"agree": "on", "text": "我最近总是失眠"})
    conversation = Conversation.objects.get(resident=resident)
    assert start["Location"] == reverse("consult:conversation", args=[conversation.pk])
    page = resident_client.get(start["Location"]).content.decode()
    assert "我最近总是失眠" in page and "Waiting for a counselor" in page

    counselor_client = _client(night)
    workspace = counselor_client.get(reverse("cases:workspace")).content.decode()
    assert conversation.reference in workspace and "consult-waiting" in workspace
    assert counselor_client.post(reverse("consult:take", args=[conversation.pk])).status_code == 302
    staff_page = counselor_client.get(reverse("consult:staff_conversation", args=[conversation.pk])).content.decode()
    assert "我最近总是失眠" in staff_page and "consult-reply" in staff_page

    # The resident's page polls: nothing new is a 204; the answer arrives as soon as it is written.
    last = conversation.messages.order_by("-pk").first().pk
    poll = reverse("consult:lines", args=[conversation.pk])
    assert resident_client.get(poll, {"after": last}).status_code == 204
    reply = counselor_client.post(reverse("consult:reply", args=[conversation.pk]), {"text": "你好，我在，慢慢说"})
    assert reply.status_code == 302
    fresh = resident_client.get(poll, {"after": last})
    assert fresh.status_code == 200 and "你好，我在，慢慢说" in fresh.content.decode()
    assert "夜班王老师" in fresh.content.decode()

    # And the other way round.
    staff_poll = reverse("consult:staff_lines", args=[conversation.pk])
    last = conversation.messages.order_by("-pk").first().pk
    assert counselor_client.get(staff_poll, {"after": last}).status_code == 204
    resident_client.post(reverse("consult:conversation", args=[conversation.pk]), {"text": "谢谢你"})
    assert "谢谢你" in counselor_client.get(staff_poll, {"after": last}).content.decode()

    # Closing: the resident is shown how to reach help instead of the form.
    asked = counselor_client.post(reverse("consult:staff_close", args=[conversation.pk]))
    assert asked.status_code == 200 and "End this conversation?" in asked.content.decode()
    closing = counselor_client.post(reverse("consult:staff_close", args=[conversation.pk]), {"confirmed": "yes"})
    assert closing.status_code == 302
    closed = resident_client.get(reverse("consult:conversation", args=[conversation.pk])).content.decode()
    assert "consult-reach-help" in closed and "12356" in closed and "consult-send" not in closed


def test_html_in_a_message_is_never_rendered(writer, night):
    conversation = services.conversation_start(
        actor=writer.user, resident=writer, text='<script>alert("x")</script><b onclick="x()">粗体</b>'
    )
    services.conversation_take(conversation=conversation, actor=night)
    for client, url in (
        (_client(night), reverse("consult:staff_conversation", args=[conversation.pk])),
        (_client(writer.user), reverse("consult:conversation", args=[conversation.pk])),
    ):
        text = client.get(url).content.decode()
        assert "<script>alert" not in text and "<b onclick" not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_an_empty_or_overlong_message_is_refused_with_the_reason(writer, night, english):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    client = _client(writer.user)
    url = reverse("consult:conversation", args=[conversation.pk])
    assert client.post(url, {"text": ""}).status_code == 400
    too_long = client.post(url, {"text": "字" * 2001})
    assert too_long.status_code == 400 and "at most 2000 characters" in too_long.content.decode()
    assert conversation.messages.count() == 1


def test_rate_limit_through_the_page(writer, night, settings, english):
    settings.FUCHENG_CONSULT_MESSAGES_PER_MINUTE = 2
    client = _client(writer.user)
    client.post(reverse("consult:home"), {"person": writer.pk, "text": "一"})
    conversation = Conversation.objects.get(resident=writer)
    url = reverse("consult:conversation", args=[conversation.pk])
    assert client.post(url, {"text": "二"}).status_code == 302
    limited = client.post(url, {"text": "三"})
    assert limited.status_code == 400 and "very fast" in limited.content.decode()
    assert "110" in limited.content.decode()
    assert conversation.messages.count() == 2


def test_another_resident_or_another_centers_counselor_gets_404(writer, stranger, night, far_counselor):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="秘密的心事")
    for name in ("consult:conversation", "consult:lines", "consult:download"):
        response = _client(stranger.user).get(reverse(name, args=[conversation.pk]))
        assert response.status_code == 404 and "秘密" not in response.content.decode()
    for name in ("consult:staff_conversation", "consult:staff_lines"):
        assert _client(far_counselor).get(reverse(name, args=[conversation.pk])).status_code == 404
        assert _client(writer.user).get(reverse(name, args=[conversation.pk])).status_code == 404
    assert _client(far_counselor).post(reverse("consult:take", args=[conversation.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="conversation.open", outcome="denied", actor=far_counselor).exists()
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.WAITING
    assert conversation.reference not in _client(far_counselor).get(reverse("cases:workspace")).content.decode()


def test_staff_reads_are_audited(writer, night):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    _client(night).get(reverse("consult:staff_conversation", args=[conversation.pk]))
    row = AuditEvent.objects.get(action="conversation.open", actor=night)
    assert row.object_id == str(conversation.pk) and row.outcome == "allowed"


def test_the_resident_downloads_a_conversation(writer, night):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="我想聊聊工作")
    services.conversation_take(conversation=conversation, actor=night)
    services.message_send(conversation=conversation, actor=night, text="好的，请说")
    response = _client(writer.user).get(reverse("consult:download", args=[conversation.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert "我想聊聊工作" in body and "好的，请说" in body and "夜班王老师" in body


def test_risk_phrase_then_a_high_risk_case_in_one_step(writer, night, english):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="我不想活了")
    client = _client(night)
    workspace = client.get(reverse("cases:workspace")).content.decode()
    assert "risk phrase" in workspace
    client.post(reverse("consult:take", args=[conversation.pk]))
    page = client.get(reverse("consult:staff_conversation", args=[conversation.pk])).content.decode()
    assert "consult-risk" in page and "Suicide" in page
    response = client.post(
        reverse("consult:open_case", args=[conversation.pk]), {"tier": Tier.HIGH_RISK, "reason": "表达自杀想法"}
    )
    conversation.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == conversation.case.get_absolute_url()
    case_page = client.get(response["Location"]).content.decode()
    assert "case-conversations" in case_page and conversation.reference in case_page
    assert conversation.case.events.filter(kind=EventKind.CONVERSATION).exists()
    assert "Online conversation linked" in case_page


def test_hand_over_form_and_block(writer, night, english):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    client = _client(night)
    client.post(reverse("consult:take", args=[conversation.pk]))
    assert client.post(reverse("consult:handover", args=[conversation.pk]), {"note": ""}).status_code == 400
    assert client.post(reverse("consult:handover", args=[conversation.pk]), {"note": "注意睡眠"}).status_code == 302
    conversation.refresh_from_db()
    assert conversation.handover_note == "注意睡眠"
    assert client.post(reverse("consult:block", args=[conversation.pk]), {"reason": ""}).status_code == 400
    assert client.post(reverse("consult:block", args=[conversation.pk]), {"reason": "辱骂"}).status_code == 302
    page = _client(writer.user).get(reverse("consult:conversation", args=[conversation.pk])).content.decode()
    assert "blocked" in page and "12356" in page and "consult-send" not in page


def _waiting(center, station, count):
    for _ in range(count):
        person = ResidentFactory(center=center, station=station, user=UserFactory())
        consent_give(resident=person, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=person.user)
        services.conversation_start(actor=person.user, resident=person, text="我想聊聊 I want to die")


def test_the_workspace_panel_takes_the_same_queries_at_two_data_sizes(night, center, station):
    client = _client(night)
    url = reverse("consult:panel")
    client.get(url)  # session, memberships warm
    _waiting(center, station, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _waiting(center, station, 12)
    for conversation in Conversation.objects.all()[:5]:
        services.conversation_take(conversation=conversation, actor=night)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.content.decode().count("consult/staff/") >= 14
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_colleague_was_quicker_back_to_the_queue_with_the_reason(writer, night, make_staff, center, english):
    import datetime as dt

    from django.utils import timezone

    from tests.consult.conftest import put_on_duty

    colleague = make_staff(Role.COUNSELOR, display_name="李老师")
    put_on_duty(colleague, center, start=timezone.now() - dt.timedelta(hours=1))
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    services.conversation_take(conversation=conversation, actor=night)
    client = _client(colleague)
    response = client.post(reverse("consult:take", args=[conversation.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("cases:workspace")
    assert "already taken" in client.get(response["Location"]).content.decode()


def _exchange(writer, night, lines):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="开始")
    services.conversation_take(conversation=conversation, actor=night)
    for n in range(lines):
        services.message_send(conversation=conversation, actor=night, text=f"回答{n}")
        services.message_send(conversation=conversation, actor=writer.user, text=f"问题{n}")
    return conversation


@pytest.mark.parametrize("side", ["resident", "staff"])
def test_a_conversation_page_takes_the_same_queries_however_long_it_is(writer, night, settings, side):
    settings.FUCHENG_CONSULT_MESSAGES_PER_MINUTE = 1000
    conversation = _exchange(writer, night, 1)
    user = writer.user if side == "resident" else night
    url = conversation.get_absolute_url() if side == "resident" else conversation.get_staff_url()
    client = _client(user)
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    for n in range(15):
        services.message_send(conversation=conversation, actor=night, text=f"更多{n}")
        services.message_send(conversation=conversation, actor=writer.user, text=f"更多问题{n}")
    client.get(url)  # the read marker moves once
    with CaptureQueriesContext(connection) as long:
        response = client.get(url)
    assert response.content.decode().count("consult-line-") == 33
    assert len(long.captured_queries) == len(short.captured_queries)


def test_the_residents_list_takes_the_same_queries_at_two_sizes(writer, night, settings):
    settings.FUCHENG_CONSULT_MESSAGES_PER_MINUTE = 1000
    client = _client(writer.user)
    _exchange(writer, night, 1)
    client.get(reverse("consult:home"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("consult:home"))
    for _ in range(6):
        Conversation.objects.filter(resident=writer, status__in=["waiting", "open"]).update(
            status=ConversationStatus.CLOSED, closed_at="2026-11-20T10:00:00Z"
        )
        _exchange(writer, night, 2)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("consult:home"))
    assert response.content.decode().count("OC0000") >= 7
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_conversation_waiting_past_the_centers_time_is_marked_in_the_panel(writer, night):
    import datetime as dt

    conversation = services.conversation_start(actor=writer.user, resident=writer, text="有人吗")
    client = _client(night)
    assert "consult-overdue" not in client.get(reverse("consult:panel")).content.decode()
    Conversation.objects.filter(pk=conversation.pk).update(
        waiting_since=conversation.waiting_since - dt.timedelta(minutes=11)
    )
    assert "consult-overdue" in client.get(reverse("consult:panel")).content.decode()
