"""Changes a person makes to their own account outside allauth's pages."""

from __future__ import annotations

from django.db import transaction

from centers.audit.log import audit_record
from centers.models import User


@transaction.atomic
def wecom_userid_set(*, user: User, userid: str) -> User:
    """A staff member records their own WeCom member id (empty: none); audited like any change to an account."""
    user.wecom_userid = userid.strip()
    user.full_clean(validate_unique=False, exclude=[f.name for f in user._meta.fields if f.name != "wecom_userid"])
    user.save(update_fields=["wecom_userid"])
    audit_record(actor=user, action="account.wecom_userid", obj=user, detail={"set": bool(user.wecom_userid)})
    return user
