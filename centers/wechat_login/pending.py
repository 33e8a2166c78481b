"""A first WeChat sign-in waiting for its mobile number, kept in the session between the confirmation pages.

The pending sign-in holds allauth's serialized SocialLogin, the number typed, the code sent to it and how often
codes were sent and tried. Once the code matches, `confirmed` names the number (and, for a new person, their name
and station); the social account adapter reads it when allauth completes the sign-in.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "wechat_login.pending"
CODE_SECONDS = 15 * 60  # as the SMS text says
MAX_SENDS = 3
MAX_TRIES = 5


@dataclass
class PendingSignIn:
    sociallogin: dict[str, Any]
    uid: str
    phone: str = ""
    code: str = ""
    code_expires: float = 0.0
    sends: int = 0
    tries: int = 0
    confirmed_phone: str = ""
    full_name: str = ""
    station_id: int | None = None

    def code_matches(self, typed: str) -> bool:
        """Counts the try; true only for the unexpired code sent to the number."""
        self.tries += 1
        if not self.code or time.time() > self.code_expires:
            return False
        return secrets.compare_digest(self.code, typed.strip())


def pending_load(session: SessionBase) -> PendingSignIn | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return PendingSignIn(**data)
    except TypeError:
        return None


def pending_save(session: SessionBase, pending: PendingSignIn) -> None:
    session[SESSION_KEY] = asdict(pending)


def pending_clear(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)
