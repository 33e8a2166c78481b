"""Reads for the outbox: the official-account openid a resident's WeChat messages go to (from the WeChat sign-in)."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount

from centers.models import User

PROVIDER_ID = "weixin"


def reachable_on_the_phone(*, user: User) -> bool:
    """Whether a crisis alert reaches this person's phone: a confirmed mobile number."""
    return bool(user.phone and user.phone_verified)


def wechat_openid(*, user: User) -> str:
    """The resident's openid on the official account, or "" when they never linked WeChat (no WeChat message)."""
    account = SocialAccount.objects.filter(user=user, provider=PROVIDER_ID).order_by("pk").first()
    if account is None:
        return ""
    extra = account.extra_data if isinstance(account.extra_data, dict) else {}
    return str(extra.get("openid", "") or "")


def wechat_account_owner(*, openid: str) -> User | None:
    """Whose WeChat an openid is (the account that linked it), or None."""
    if not openid:
        return None
    account = (
        SocialAccount.objects.filter(provider=PROVIDER_ID, extra_data__openid=openid).select_related("user").first()
    )
    return account.user if account is not None else None
