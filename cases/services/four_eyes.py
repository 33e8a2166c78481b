"""Four eyes: who may give the second signature, asking them, and refusing whoever may not."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cases import policies, selectors
from cases.models import (
    Case,
)
from cases.services.notifications import absolute_url, notice_add
from centers.models import User


def second_signers_text(case: Case, first_person_id: int | None) -> str:
    """Who can give the second signature, by name, for a refusal: or what the center must set up first."""
    people = selectors.second_signers(case=case, first_person_id=first_person_id)
    if people:
        return _("It can be given by: %(names)s.") % {"names": "、".join(str(p) for p in people)}
    return _(
        "Nobody else can give it yet: the center has no other supervisor and no deputy. "
        "Ask the center's administrator to name a deputy in the center's settings."
    )


def second_person_require(case: Case, *, actor: User, first_person_id: int | None, own: str) -> None:
    """Four eyes: refuse the proposer with the names of who can decide; refuse anyone else not entitled."""
    if policies.can_second_sign(actor, case, first_person_id=first_person_id):
        return
    if actor.pk == first_person_id and policies.can_work_case(actor, case):
        raise ValidationError(f"{own} {second_signers_text(case, first_person_id)}")
    if policies.can_work_case(actor, case):
        needed = _("This needs a supervisor of the center (or its deputy) other than the person who asked.")
        raise ValidationError(f"{needed} {second_signers_text(case, first_person_id)}")
    raise PermissionDenied


def second_person_ask(case: Case, *, actor: User, closure: bool, now: dt.datetime) -> None:
    """Four eyes: tell those who may give the second signature that a decision waits for them."""
    with translation.override(settings.LANGUAGE_CODE):
        url = absolute_url(reverse("cases:case_detail", args=[case.pk]))
        if closure:
            subject = _("Case %(ref)s: a closure waits for your sign-off") % {"ref": case.reference}
            text = _("%(by)s closed the case; sign off the closure on the case page: %(url)s")
        else:
            subject = _("Case %(ref)s: leaving high-risk waits for your confirmation") % {"ref": case.reference}
            text = _("%(by)s proposes to lower the tier; confirm or refuse on the case page: %(url)s")
        text = text % {"by": actor, "url": url}
    notice_add(case, selectors.second_signers(case=case, first_person_id=actor.pk), subject=subject, text=text, now=now)
