"""The demo's second factor: demo staff share one fixed authenticator secret so a visitor can sign in.

Never used outside the demo: seed_security refuses to run in production, and only accounts of the
demo domain get the secret.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time

DEMO_DOMAIN = "demo.fucheng.cn"
# A fixed base32 secret, public on purpose: it protects nothing but demo data.
DEMO_TOTP_SECRET = "MZ2WG2DFNZTS2ZDFNVXS2MBSGZQWE4TD"


def is_demo_account(email: str) -> bool:
    return email.strip().lower().endswith("@" + DEMO_DOMAIN)


def demo_totp_code() -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counters[len(counters) // 2]))


def demo_give_totp(user) -> bool:
    """Give a demo account the demo secret; returns False when it already has an authenticator app."""
    if not is_demo_account(user.email):
        raise ValueError("only demo accounts get the demo secret")
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    TOTP.activate(user, DEMO_TOTP_SECRET)
    return True
