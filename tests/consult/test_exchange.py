"""The whole exchange at the service level: consent, start, wait, take, answer, unread counts, risk,
a high-risk case in one step, close; limits, encryption at rest, export, audit, nothing deleted."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import ProtectedError

from cases.alerts.models import CrisisAlert
from cases.consult import selectors, services
from cases.consult.models import MESSAGE_MAX_LENGTH, Conversation, ConversationStatus, Message
from cases.models import Channel, EventKind, Tier
from centers.audit.models import AuditEvent
from centers.models import Role
from centers.privacy.models import ConsentPurpose
from centers.privacy.selectors import person_export
from centers.privacy.services import consent_give, consent_withdraw
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _unread_for_staff(user, conversation):
    rows = {c.pk: c.unread for c in selectors.mine_for_staff(user=user) + selectors.waiting_for_staff(user=user)}
    return rows.get(conversation.pk)


def test_the_whole_exchange(writer, night, english):
    resident_user = writer.user
    conversation = services.conversation_start(actor=resident_user, resident=writer, text="晚上睡不着，很焦虑")
    assert conversation.status == ConversationStatus.WAITING
    assert conversation.center_id == writer.center_id

    # The counselor on duty sees it waiting, with one unread line.
    waiting = selectors.waiting_for_staff(user=night)
    assert [c.pk for c in waiting] == [conversation.pk]
    assert waiting[0].unread == 1

    services.conversation_take(conversation=conversation, actor=night)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN and conversation.counselor == night
    assert selectors.waiting_for_staff(user=night) == []

    lines = services.conversation_read(conversation=conversation, actor=night)
    assert _unread_for_staff(night, conversation) == 0
    services.message_send(conversation=conversation, actor=night, text="你好，我是值班咨询师，愿意说说发生了什么吗？")

    # The resident has two new lines: the counselor joined, and the answer.
    assert selectors.unread_for_resident(user=resident_user) == 2
    lines = services.conversation_read(conversation=conversation, actor=resident_user)
    assert [m.kind for m in lines] == ["resident", "system", "counselor"]
    assert lines[1].author_label == "夜班王老师"  # title and name only, never the account
    assert lines[2].body.startswith("你好")
    assert selectors.unread_for_resident(user=resident_user) == 0

    services.message_send(conversation=conversation, actor=resident_user, text="工作压力太大了")
    assert _unread_for_staff(night, conversation) == 1

    services.conversation_close(conversation=conversation, actor=resident_user)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED and conversation.closed_at
    with pytest.raises(ValidationError) as closed:
        services.message_send(conversation=conversation, actor=resident_user, text="还在吗")
    assert "110" in closed.value.messages[0]
    # Writing again starts a new conversation.
    again = services.conversation_start(actor=resident_user, resident=writer, text="我又来了")
    assert again.pk != conversation.pk


def test_consent_first(resident, night):
    with pytest.raises(ValidationError) as missing:
        services.conversation_start(actor=resident.user, resident=resident, text="你好")
    assert missing.value.code == "no_consent"
    consent_give(resident=resident, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=resident.user)
    conversation = services.conversation_start(actor=resident.user, resident=resident, text="你好")
    consent_withdraw(resident=resident, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=resident.user)
    with pytest.raises(ValidationError):  # withdrawal stops new processing
        services.message_send(conversation=conversation, actor=resident.user, text="还在")


def test_a_guardian_writes_for_a_child(writer, night, center, station):
    child = ResidentFactory(
        center=center, station=station, guardian=writer, full_name="林小豆", birth_date="2016-05-01"
    )
    consent_give(resident=child, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=writer.user)
    conversation = services.conversation_start(actor=writer.user, resident=child, text="孩子最近不愿意上学")
    assert conversation.resident == child and conversation.started_by == writer.user
    assert [c.pk for c in selectors.conversations_for_resident(user=writer.user)] == [conversation.pk]


def test_one_active_conversation_per_person(writer, night):
    first = services.conversation_start(actor=writer.user, resident=writer, text="第一句")
    second = services.conversation_start(actor=writer.user, resident=writer, text="第二句")
    assert first.pk == second.pk
    assert first.messages.count() == 2


def test_a_risk_phrase_lifts_the_conversation_to_the_top(writer, stranger, night):
    calm = services.conversation_start(actor=stranger.user, resident=stranger, text="想咨询一下亲子沟通")
    risky = services.conversation_start(actor=writer.user, resident=writer, text="笑死我了，今天好累")
    assert not Conversation.objects.get(pk=risky.pk).risk_flagged  # a harmless word raises nothing
    assert [c.pk for c in selectors.waiting_for_staff(user=night)] == [calm.pk, risky.pk]

    services.message_send(conversation=risky, actor=writer.user, text="其实我不想活了")
    risky.refresh_from_db()
    assert risky.risk_flagged and risky.risk_categories == ["suicide"]
    assert [c.pk for c in selectors.waiting_for_staff(user=night)] == [risky.pk, calm.pk]
    assert Message.objects.filter(conversation=risky, risk=True).count() == 1
    event = AuditEvent.objects.get(action="conversation.risk")
    assert event.detail["categories"] == ["suicide"] and "不想活" not in str(event.detail)  # codes, never text


def test_open_a_high_risk_case_in_one_step(writer, night, english):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="I want to kill myself")
    services.conversation_take(conversation=conversation, actor=night)
    case = services.conversation_open_case(
        conversation=conversation, actor=night, tier=Tier.HIGH_RISK, reason="Plans and means described"
    )
    conversation.refresh_from_db()
    assert conversation.case == case
    assert case.tier == Tier.HIGH_RISK and case.channel == Channel.ONLINE_CONSULT
    assert night in case.counselors.all()
    assert CrisisAlert.objects.filter(case=case, acknowledged_at__isnull=True).exists()
    linked = case.events.get(kind=EventKind.CONVERSATION)
    assert linked.to_label == conversation.reference  # the conversation shows in the case timeline
    # The counselor decides the tier: a second conversation may join the open case at a lower tier.
    services.conversation_close(conversation=conversation, actor=night)
    second = services.conversation_start(actor=writer.user, resident=writer, text="谢谢你昨天陪我")
    services.conversation_take(conversation=second, actor=night)
    joined = services.conversation_open_case(conversation=second, actor=night, tier=Tier.GENERAL, reason="follow-up")
    assert joined.pk == case.pk and joined.tier == Tier.HIGH_RISK


def test_joining_an_open_case_from_a_conversation_assigns_it_as_the_case_page_would(writer, night, center):
    """The counselor joins the case through the same assignment as the case page: the case's unassigned
    follow-ups become theirs and the audit log records the assignment."""
    import datetime as dt

    from django.utils import timezone

    from cases.follow_ups.models import FollowUp
    from cases.services import intake

    case, _ = intake.case_intake(resident=writer, center=center, channel=Channel.WALK_IN, source="", actor=None)
    waiting = FollowUp.objects.create(
        case=case,
        center=center,
        station=case.station,
        kind="reassessment",
        due_at=timezone.now() + dt.timedelta(days=1),
    )
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="最近睡不着")
    services.conversation_take(conversation=conversation, actor=night)
    joined = services.conversation_open_case(conversation=conversation, actor=night, tier=Tier.GENERAL, reason="失眠")
    assert joined.pk == case.pk and joined.assigned_at is not None
    waiting.refresh_from_db()
    assert waiting.assigned_to == night
    assert AuditEvent.objects.filter(action="case.assign", actor=night, object_id=str(case.pk)).count() == 1
    assert case.events.filter(kind=EventKind.ASSIGNED, to_value=str(night.pk)).count() == 1


def test_only_the_counselor_who_took_it_answers(writer, night, make_staff, supervisor):
    colleague = make_staff(Role.COUNSELOR, display_name="李老师")
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    with pytest.raises(ValidationError):
        services.message_send(conversation=conversation, actor=night, text="先回答")  # not taken yet
    services.conversation_take(conversation=conversation, actor=night)
    with pytest.raises(PermissionDenied):
        services.message_send(conversation=conversation, actor=colleague, text="我来")
    with pytest.raises(ValidationError) as taken:
        services.conversation_take(conversation=conversation, actor=supervisor)  # the first one wins
    assert taken.value.code == "taken"
    with pytest.raises(ValidationError):
        services.message_send(conversation=conversation, actor=supervisor, text="督导插话")


def test_another_resident_or_another_centers_counselor_cannot_reach_it(writer, stranger, night, far_counselor):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    for outsider in (stranger.user, far_counselor):
        with pytest.raises(PermissionDenied):
            services.conversation_read(conversation=conversation, actor=outsider)
        with pytest.raises(PermissionDenied):
            services.message_send(conversation=conversation, actor=outsider, text="偷看")
    with pytest.raises(PermissionDenied):
        services.conversation_take(conversation=conversation, actor=far_counselor)
    assert selectors.waiting_for_staff(user=far_counselor) == []


def test_length_limit_and_empty_text(writer, night):
    with pytest.raises(ValidationError):
        services.conversation_start(actor=writer.user, resident=writer, text="   ")
    with pytest.raises(ValidationError):
        services.conversation_start(actor=writer.user, resident=writer, text="长" * (MESSAGE_MAX_LENGTH + 1))
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="长" * MESSAGE_MAX_LENGTH)
    assert len(conversation.messages.get().body) == MESSAGE_MAX_LENGTH


def test_rate_limit_per_resident(writer, stranger, night, settings):
    settings.FUCHENG_CONSULT_MESSAGES_PER_MINUTE = 3
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="1")
    services.message_send(conversation=conversation, actor=writer.user, text="2")
    services.message_send(conversation=conversation, actor=writer.user, text="3")
    with pytest.raises(ValidationError) as limited:
        services.message_send(conversation=conversation, actor=writer.user, text="4")
    assert limited.value.code == "rate_limited"
    assert conversation.messages.count() == 3
    # Another resident is not slowed down by it.
    services.conversation_start(actor=stranger.user, resident=stranger, text="你好")


def test_messages_and_notes_are_encrypted_at_rest(writer, night):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="只有咨询师能看到的秘密")
    services.conversation_take(conversation=conversation, actor=night)
    services.conversation_handover_note(conversation=conversation, actor=night, note="交接：注意睡眠问题")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT body FROM cases_message WHERE conversation_id = %s AND kind = 'resident'", [conversation.pk]
        )
        raw = cursor.fetchone()[0]
        cursor.execute("SELECT handover_note FROM cases_conversation WHERE id = %s", [conversation.pk])
        raw_note = cursor.fetchone()[0]
    assert "秘密" not in raw and raw.startswith("fernet:")
    assert "睡眠" not in raw_note and raw_note.startswith("fernet:")
    assert Message.objects.get(conversation=conversation, kind="resident").body == "只有咨询师能看到的秘密"


def test_staff_reads_are_audited_and_nothing_is_deleted(writer, night):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="你好")
    services.conversation_take(conversation=conversation, actor=night)
    services.conversation_read(conversation=conversation, actor=night)
    read = AuditEvent.objects.filter(action="conversation.read", actor=night)
    assert read.count() == 1 and read.get().object_id == str(conversation.pk)
    # A poll that brings nothing new is not another read.
    last = conversation.messages.order_by("-pk").first().pk
    services.conversation_read(conversation=conversation, actor=night, after=last)
    assert read.count() == 1
    services.conversation_block(conversation=conversation, actor=night, reason="辱骂")
    assert Message.objects.filter(conversation=conversation).count() == 3  # blocked, never deleted
    with pytest.raises(ProtectedError):
        conversation.delete()


def test_the_resident_downloads_their_conversations_in_my_data(writer, night):
    conversation = services.conversation_start(actor=writer.user, resident=writer, text="我的话")
    services.conversation_take(conversation=conversation, actor=night)
    services.message_send(conversation=conversation, actor=night, text="咨询师的回答")
    data = person_export(user=writer.user)
    exported = data["online_conversations"][0]
    assert exported["reference"] == conversation.reference
    assert [line["text"] for line in exported["messages"]][0] == "我的话"
    assert exported["messages"][-1] == {
        "at": exported["messages"][-1]["at"],
        "from": "夜班王老师",
        "text": "咨询师的回答",
    }
    assert night.email not in str(exported) and night.username not in str(exported)


def test_erasure_blanks_the_text_and_keeps_the_rows(writer, night):
    from centers.privacy.services import person_anonymise

    conversation = services.conversation_start(actor=writer.user, resident=writer, text="我的隐私")
    services.conversation_take(conversation=conversation, actor=night)
    services.conversation_handover_note(conversation=conversation, actor=night, note="交接内容")
    person_anonymise(resident=writer, actor=writer.user)
    conversation.refresh_from_db()
    assert conversation.handover_note == "" and conversation.status == ConversationStatus.CLOSED
    assert set(conversation.messages.values_list("body", flat=True)) == {""}
    assert conversation.messages.count() == 2  # the rows stay (figures), the words are gone
