"""Writes of a WeChat sign-in: a new resident's account, and the move of an account's uid to the unionid."""

from __future__ import annotations

from allauth.socialaccount.models import SocialAccount
from django.db import transaction

from centers.audit.log import audit_record
from centers.messaging.selectors import PROVIDER_ID
from centers.models import Station, User
from centers.services import resident_phone_verified, resident_register_self, user_phone_release_unverified


@transaction.atomic
def wechat_account_uid_upgrade(*, openid: str, unionid: str) -> SocialAccount | None:
    """A WeChat account first seen without a unionid (stored under its openid) now shows one: it moves to the
    unionid, so later sign-ins from the website or the official account find the same person. Called by the
    social account adapter before allauth looks the sign-in up; does nothing when there is nothing to move."""
    if not (openid and unionid) or openid == unionid:
        return None
    if SocialAccount.objects.filter(provider=PROVIDER_ID, uid=unionid).exists():
        return None
    account = SocialAccount.objects.select_for_update().filter(provider=PROVIDER_ID, uid=openid).first()
    if account is None:
        return None
    account.uid = unionid
    account.save(update_fields=["uid"])
    audit_record(actor=None, action="wechat.uid_unionid", obj=account, actor_label="system")
    return account


@transaction.atomic
def wechat_resident_signup(*, user: User, phone: str, full_name: str, station: Station) -> User:
    """A person new to the portal signed in with WeChat and confirmed `phone` by its code: their resident record,
    and the number as verified (any account that typed it without confirming it loses it). Called by the social
    account adapter right after allauth saved the new account."""
    user_phone_release_unverified(phone=phone, keep=user)
    resident_register_self(user=user, full_name=full_name, station=station)
    user = resident_phone_verified(user=user, phone=phone)
    audit_record(actor=user, action="wechat.signup", obj=user)
    return user
