"""Demo online conversations on top of seed_demo: a night-shift counselor on the online duty
from 23:00 to 07:00 every night (beside the crisis-team rota), a conversation waiting for a counselor (the 10-minute alert fires a
few minutes after seeding), and last night's conversation at 3 a.m., answered and handed over.

Safe to run twice: nothing is added for a person who already has a conversation. Everything goes through
cases.consult.services; only the times of last night's lines are moved back afterwards.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cases.consult import services
from cases.consult.models import Conversation, ConversationStatus, Message, MessageKind, SystemEvent
from centers.models import Center, DutyShift, Membership, Resident, Role, ShiftKind, User
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from centers.services import staff_account_create

DOMAIN = "demo.fucheng.cn"
PASSWORD = "fucheng-demo-2026"
NIGHT_EMAIL = f"night@{DOMAIN}"


class Command(BaseCommand):
    help = "Demo online conversations: a night-shift counselor, a waiting conversation, last night's (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        center = Center.objects.filter(code="fucheng").first()
        if center is None:
            raise CommandError("Run seed_demo first: the demo center is missing.")
        night = self._night_counselor(center)
        self._night_shifts(center, night)
        waiting_person = Resident.objects.filter(center=center, phone="13800000002").select_related("user").first()
        if waiting_person and waiting_person.user and not waiting_person.conversations.exists():
            self._consent(waiting_person)
            conversation = services.conversation_start(
                actor=waiting_person.user,
                resident=waiting_person,
                text="你好，最近工作压力很大，晚上总是睡不着，想找人聊聊。",
            )
            # Started four minutes ago: the sweep alerts the duty team six minutes after seeding.
            started = timezone.now() - dt.timedelta(minutes=4)
            Conversation.objects.filter(pk=conversation.pk).update(
                created_at=started, waiting_since=started, last_message_at=started
            )
            Message.objects.filter(conversation=conversation).update(created_at=started)
        past_person = Resident.objects.filter(center=center, phone="13800000001").select_related("user").first()
        if past_person and past_person.user and not past_person.conversations.exists():
            self._last_night(center, past_person, night)
        if options.get("verbosity", 1):
            self.stdout.write(
                f"Online conversations: night-shift counselor {NIGHT_EMAIL}; waiting and past conversations."
            )

    def _night_counselor(self, center) -> User:
        user = User.objects.filter(email__iexact=NIGHT_EMAIL).first()
        if user is None:
            user = staff_account_create(
                actor=None,
                center=center,
                role=Role.COUNSELOR,
                email=NIGHT_EMAIL,
                display_name="夜班何老师",
                first_name="夜",
                last_name="何",
                password=PASSWORD,
            )
        elif not Membership.objects.filter(user=user, center=center, role=Role.COUNSELOR, is_active=True).exists():
            raise CommandError(f"{NIGHT_EMAIL} exists without a counselor membership at the demo center.")
        if not user.phone_verified:
            # Reached at night on the phone like every demo staff member (a conversation's risk alert is an SMS).
            User.objects.filter(pk=user.pk).update(phone=user.phone or "19800009999", phone_verified=True)
            user.refresh_from_db()
        return user

    def _night_shifts(self, center, night) -> None:
        """The online duty from 23:00 to 07:00, from the night before last for two weeks."""
        tz = timezone.get_current_timezone()
        today = timezone.localdate()
        for offset in range(-2, 14):
            starts = dt.datetime.combine(today + dt.timedelta(days=offset), dt.time(23), tzinfo=tz)
            DutyShift.objects.get_or_create(
                center=center,
                kind=ShiftKind.ONLINE_HOTLINE,
                user=night,
                starts_at=starts,
                defaults={"ends_at": starts + dt.timedelta(hours=8), "is_crisis_team": False},
            )

    def _consent(self, person) -> None:
        if not person.consents.filter(purpose=ConsentPurpose.ONLINE_COUNSELING, withdrawn_at__isnull=True).exists():
            consent_give(resident=person, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=person.user)

    def _last_night(self, center, person, night) -> None:
        """At 3 a.m. last night the resident wrote and the night counselor answered. The services act at "now"
        (and only for whoever is on duty now), so this history is written as rows, the way they would stand."""
        self._consent(person)
        tz = timezone.get_current_timezone()
        three = dt.datetime.combine(timezone.localdate() - dt.timedelta(days=1), dt.time(3), tzinfo=tz)
        conversation = Conversation.objects.create(
            center=center,
            station=person.station,
            resident=person,
            started_by=person.user,
            status=ConversationStatus.CLOSED,
            counselor=night,
            created_at=three,
            waiting_since=three,
            taken_at=three + dt.timedelta(minutes=3),
            last_message_at=three + dt.timedelta(minutes=16),
            closed_at=three + dt.timedelta(minutes=20),
            closed_by=person.user,
        )
        lines = [
            (MessageKind.RESIDENT, "", "凌晨三点了还是睡不着，脑子里一直在想事情。"),
            (MessageKind.SYSTEM, SystemEvent.TAKEN, ""),
            (MessageKind.COUNSELOR, "", "你好，我是值夜班的何老师。愿意说说是什么事情让你放不下吗？"),
            (MessageKind.RESIDENT, "", "工作上的事，还有家里的一些矛盾。"),
            (MessageKind.COUNSELOR, "", "谢谢你愿意说出来。我们先试试一个放松呼吸的小练习，好吗？"),
            (MessageKind.SYSTEM, SystemEvent.CLOSED, ""),
        ]
        for n, (kind, event, body) in enumerate(lines):
            staff_line = kind == MessageKind.COUNSELOR or event == SystemEvent.TAKEN
            Message.objects.create(
                conversation=conversation,
                kind=kind,
                event=event,
                author=night if staff_line else person.user,
                author_label=str(night.public_name) if staff_line else "",
                body=body,
                created_at=three + dt.timedelta(minutes=4 * n),
            )
        last = conversation.messages.order_by("-pk").first().pk
        Conversation.objects.filter(pk=conversation.pk).update(resident_read_upto=last, staff_read_upto=last)
