"""Where a person is reached: the one contact-address rule, the resident first, then their guardian.

A person's own number is the one on their record, else their account's number once its owner confirmed
it by the sign-up code (an unconfirmed number receives nothing). Callers that look through many people
select `user` and `guardian__user` with them, since these functions read both.
"""

from __future__ import annotations

from dataclasses import dataclass

from centers.messaging.selectors import wechat_openid
from centers.models import Resident

ADULT_AGE = 18


def person_phone(person: Resident) -> str:
    """The person's own number: on their record, else their account's confirmed number; "" when none."""
    if person.phone:
        return person.phone
    user = person.user if person.user_id else None
    return user.phone if user is not None and user.phone_verified else ""


def person_email(person: Resident) -> str:
    """The person's own email address (their account's); "" when none."""
    user = person.user if person.user_id else None
    return user.email if user is not None and user.email else ""


def _resident_then_guardian(resident: Resident) -> list[Resident]:
    guardian = resident.guardian if resident.guardian_id else None
    return [resident] if guardian is None else [resident, guardian]


def contact_phone(resident: Resident) -> str:
    """The number that reaches the resident: their own, else their guardian's; "" when neither has one."""
    return next((phone for phone in map(person_phone, _resident_then_guardian(resident)) if phone), "")


def contact_email(resident: Resident) -> str:
    """The address that reaches the resident: their own, else their guardian's; "" when neither has one."""
    return next((email for email in map(person_email, _resident_then_guardian(resident)) if email), "")


def contact_wechat(resident: Resident) -> str:
    """The WeChat that reaches the resident: the openid their own account linked, else (for someone reached
    through their guardian, having no number of their own) the guardian's; "" when there is none."""
    people = _resident_then_guardian(resident)
    if person_phone(resident):
        people = people[:1]  # they are reached themselves: never on the guardian's WeChat instead
    for person in people:
        user = person.user if person.user_id else None
        openid = wechat_openid(user=user) if user is not None else ""
        if openid:
            return openid
    return ""


@dataclass(frozen=True)
class Callee:
    """Whom a counselor calls for a session: their number ("" when none on record), their name, and whether
    it is the guardian (the page then says the person is a child)."""

    number: str
    name: str
    guardian: bool


def session_callee(resident: Resident) -> Callee:
    """Whom a counselor calls for a session by phone: a child (under 18, or of unknown age) with a guardian on
    record is called through the guardian, even when the child has a number of their own, because a child's
    session is arranged with the adult who acts for them; anyone else is called on their own number.

    This is the contact rule with one deliberate difference: for a child the guardian comes first, where a
    message (contact_phone) goes to the child's own number first. Each person's number is person_phone's."""
    guardian = resident.guardian if resident.guardian_id else None
    age = resident.age
    if guardian is not None and (age is None or age < ADULT_AGE):
        return Callee(number=person_phone(guardian), name=guardian.full_name, guardian=True)
    return Callee(number=person_phone(resident), name=resident.full_name, guardian=False)
