"""Session notes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import policies
from cases.models import (
    Case,
    CaseNote,
    EventKind,
)
from cases.services.common import case_audit, event_add, permission_require
from centers.models import User


@transaction.atomic
def note_add(*, case: Case, actor: User, body: str) -> CaseNote:
    """A session note, stored encrypted; only the case's counselors and the supervisor write and read notes."""
    permission_require(policies.can_read_notes(actor, case))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The note is empty.")})
    note = CaseNote(case=case, author=actor, body=body)
    note.full_clean()
    note.save()
    event_add(case, actor, EventKind.NOTE, to_value=str(note.pk))
    case_audit(actor, "case.note_add", case, note=note.pk)
    return note
