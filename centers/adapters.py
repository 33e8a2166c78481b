"""django-allauth hooks: phone numbers on our User, and each role's landing page."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .models import User, generated_username
from .notify import sms_send
from .policies import landing_url_for


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return landing_url_for(request.user)

    def populate_username(self, request: HttpRequest, user: User) -> None:
        # People sign in by email or mobile number (ACCOUNT_USER_MODEL_USERNAME_FIELD = None), so
        # allauth leaves username empty; the column is unique, so every account needs its own.
        if not user.username:
            user.username = generated_username("resident")

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    # Lockout (ACCOUNT_RATE_LIMITS["login_failed"]): count failures per account, not per typed
    # string, so an email and a mobile number of the same person share one counter, and a
    # sign-in by mobile number does not share allauth's empty key with every other one.
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        from .security import lockout_key

        return lockout_key(credentials)

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            from .security import audit_sign_in_failed

            audit_sign_in_failed(credentials=credentials, locked=True)
            raise

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        from .security import audit_sign_in_failed

        audit_sign_in_failed(credentials=credentials, locked=False)

    # Phone numbers live on User.phone (mainland mobile numbers, 11 digits).
    def clean_phone(self, phone: str) -> str:
        return super().clean_phone(phone)

    def phone_form_field(self, **kwargs):
        from django import forms
        from django.utils.translation import gettext_lazy as _

        from .models import mainland_mobile

        kwargs.setdefault("label", _("Mobile number"))
        return forms.CharField(
            max_length=11,
            min_length=11,
            validators=[mainland_mobile],
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "placeholder": "13812341234"}),
            **kwargs,
        )

    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user: User):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        user.phone_verified = True
        user.save(update_fields=["phone_verified"])

    def get_user_by_phone(self, phone: str):
        return User.objects.filter(phone=phone).order_by("pk").first()

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs) -> None:
        sms_send(phone=phone, text=f"【阜城心理】验证码 {code}，15分钟内有效。")

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        sms_send(phone=phone, text="【阜城心理】此号码尚未注册。")

    def send_account_already_exists_sms(self, phone: str, **kwargs) -> None:
        sms_send(phone=phone, text="【阜城心理】此号码已注册，可直接登录。")
