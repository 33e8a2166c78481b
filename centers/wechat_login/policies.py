"""Who may have WeChat sign-in: residents only. Staff sign in with their password and second factor."""

from __future__ import annotations

from centers.models import User
from centers.policies import is_staff_member


def can_link_wechat(user: User) -> bool:
    """A WeChat account may be linked to a resident's account with a verified mobile number, never to staff."""
    return bool(user.phone and user.phone_verified) and not (
        user.is_staff or user.is_superuser or is_staff_member(user)
    )
