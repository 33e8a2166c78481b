"""Online conversations in a person's data export and erasure (centers.hooks)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cases.consult import selectors
from cases.consult import services as consult_services
from cases.consult.models import Conversation, MessageKind, SystemEvent


def transcript(conversation: Conversation) -> list[tuple]:
    """The lines as the person sees them: (time, who wrote (never an account id), text)."""
    events = dict(SystemEvent.choices)
    lines = []
    for message in conversation.messages.order_by("pk"):
        if message.kind == MessageKind.SYSTEM:
            text = str(events.get(message.event, ""))
            if message.author_label:
                text = f"{text}: {message.author_label}"
            who = _("System")
        else:
            text = message.body
            who = (message.author_label or _("Counselor")) if message.kind == MessageKind.COUNSELOR else _("Me")
        lines.append((message.created_at, str(who), text))
    return lines


def message_lines(conversation: Conversation) -> list[dict]:
    return [{"at": at.isoformat(), "from": who, "text": text} for at, who, text in transcript(conversation)]


def person_export(*, resident) -> dict:
    """The person's own conversations with the counselors on duty, in full (their words and the answers)."""
    rows = Conversation.objects.filter(resident=resident).order_by("created_at", "pk")
    return {
        "online_conversations": [
            {
                "reference": c.reference,
                "started_at": c.created_at.isoformat(),
                "status": c.status,
                "closed_at": c.closed_at.isoformat() if c.closed_at else None,
                "messages": message_lines(c),
            }
            for c in rows
        ]
    }


def person_anonymise(*, resident, actor) -> None:
    consult_services.person_anonymise(resident=resident, actor=actor)


def resident_home_badges(*, user) -> dict[str, int]:
    """Counselor lines the resident has not read yet, for the entry point on their own page."""
    return {"consult_unread": selectors.unread_for_resident(user=user)}
