"""django-allauth hooks: phone numbers on our User, and each role's landing page."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.stages import EmailVerificationStage, PhoneVerificationStage
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.encoding import force_str
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centers.accounts.security import audit_sign_in_failed, client_ip, lockout_key
from centers.messaging.models import MessageKind
from centers.models import User, generated_username, mainland_mobile
from centers.notify import email_send, sms_send
from centers.own_numbers import sms_signature_for
from centers.policies import landing_url_for
from centers.services import resident_phone_verified, user_phone_release_unverified


@dataclass(frozen=True)
class NeutralSite:
    """What allauth's emails call the site: the neutral sender name ("阜城社区服务") and the portal's host, not a
    name that says what the service is, nor whatever host the request came in on."""

    name: str
    domain: str


def neutral_site(request: HttpRequest | None) -> NeutralSite:
    host = urlsplit(settings.PORTAL_BASE_URL).netloc or (get_current_site(request).domain if request else "")
    return NeutralSite(name=settings.SMS_SIGNATURE, domain=host)


class SignupEmailVerificationStage(EmailVerificationStage):
    """At sign-up, every email address gets the same "we sent you a message" page, whether it is
    new (a confirmation link) or already registered (a note to the owner): the page tells nobody
    which addresses have accounts. Later sign-ins keep the optional verification."""

    def handle(self):
        user_email = getattr(self.login.user, "email", "") if self.login.user else ""
        if self.login.signup and (self.login.email or user_email):
            self.login.email_verification = EmailVerificationMethod.MANDATORY
        return super().handle()


class SignupPhoneVerificationStage(PhoneVerificationStage):
    """The code is asked for at sign-up. Later sign-ins by email are not held up by an unconfirmed
    number: it simply signs nobody in (get_user_by_phone) and receives nothing until confirmed on the
    "change phone" page; staff numbers are entered by their supervisor."""

    def handle(self):
        if not self.login.signup:
            return None, True
        return super().handle()


def _tell_demo_user_where_messages_go(kind: str) -> None:
    """In the demo (console channels) nothing really goes out: say on the page where the code or link is."""
    backend = str(settings.SMS_BACKEND if kind == "sms" else settings.EMAIL_BACKEND)
    request = allauth_context.request
    if request is None or getattr(request, "_told_where_messages_go", False):
        return
    if not backend.endswith((".ConsoleSMSBackend", ".console.EmailBackend")):
        return
    request._told_where_messages_go = True
    text = _(
        "This is a demo: no text message or email really goes out. The code and the confirmation link are "
        "written to the web server's log, var/log/web.log (the lines starting “SMS to”)."
    )
    messages.info(request, text)


class AccountAdapter(DefaultAccountAdapter):
    # What a person reads when sign-in is paused (centers.accounts.security.lockout_key): when it ends, and that a
    # supervisor can lift it sooner. A code typed wrong is "the code", not an "error code".
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": format_lazy(
            gettext_lazy(
                "Too many failed sign-in attempts from here: sign-in to this account is paused for {minutes} "
                "minutes. Staff: your supervisor can let you in sooner."
            ),
            minutes=settings.FUCHENG_LOCKOUT_MINUTES,
        ),
        "incorrect_code": gettext_lazy("That code is not right. Check it and try again."),
    }

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return landing_url_for(request.user)

    def populate_username(self, request: HttpRequest, user: User) -> None:
        # People sign in by email or mobile number (ACCOUNT_USER_MODEL_USERNAME_FIELD = None), so
        # allauth leaves username empty; the column is unique, so every account needs its own.
        if not user.username:
            user.username = generated_username("resident")

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails (confirm an address, reset a password, a sign-in notice) leave through the outbox."""
        _tell_demo_user_where_messages_go("email")
        request = allauth_context.request
        full = {"request": request, "email": email, "current_site": neutral_site(request), **context}
        message = self.render_mail(template_prefix, email, full)
        email_send(to=email, subject=str(message.subject), text=str(message.body), kind=MessageKind.ACCOUNT)

    def format_email_subject(self, subject: str) -> str:
        """The neutral sender in front, as in every message to residents (never the address of the server)."""
        return f"【{settings.SMS_SIGNATURE}】{force_str(subject)}"

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_login_stages(self) -> list[str]:
        ours = {
            "allauth.account.stages.EmailVerificationStage": "centers.accounts.adapters.SignupEmailVerificationStage",
            "allauth.account.stages.PhoneVerificationStage": "centers.accounts.adapters.SignupPhoneVerificationStage",
        }
        return [ours.get(path, path) for path in super().get_login_stages()]

    # Lockout (ACCOUNT_RATE_LIMITS["login_failed"]): count failures per account and address, not per
    # typed string, so an email and a mobile number of the same person share one counter, a sign-in
    # by mobile number does not share allauth's empty key with every other one, and a stranger's wrong
    # passwords pause only the stranger's address (centers.accounts.security.lockout_key).
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        return lockout_key(credentials, address=client_ip(request))

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            audit_sign_in_failed(credentials=credentials, locked=True)
            raise

    def authentication_failed(self, request: HttpRequest, **credentials) -> None:
        audit_sign_in_failed(credentials=credentials, locked=False)

    # Phone numbers live on User.phone (mainland mobile numbers, 11 digits).
    def clean_phone(self, phone: str) -> str:
        return super().clean_phone(phone)

    def phone_form_field(self, **kwargs):
        kwargs.setdefault("label", gettext_lazy("Mobile number"))
        return forms.CharField(
            max_length=11,
            min_length=11,
            validators=[mainland_mobile],
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel", "placeholder": "13812341234"}),
            **kwargs,
        )

    # A number belongs to an account only once its owner has typed the code we sent to it
    # (ACCOUNT_PHONE_VERIFICATION_ENABLED): an unverified number neither signs in nor receives
    # messages, and does not stop its real owner from signing up with it.
    def set_phone(self, user: User, phone: str, verified: bool) -> None:
        user_phone_release_unverified(phone=phone, keep=user)
        user.phone = phone
        user.phone_verified = verified
        user.save(update_fields=["phone", "phone_verified"])

    def get_phone(self, user: User):
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone_verified(self, user: User, phone: str) -> None:
        resident_phone_verified(user=user, phone=phone)
        user.phone, user.phone_verified = phone, True

    def get_user_by_phone(self, phone: str):
        return User.objects.filter(phone=phone, phone_verified=True).order_by("pk").first()

    def send_verification_code_sms(self, user: User, phone: str, code: str, **kwargs) -> None:
        sign = sms_signature_for(user)
        _tell_demo_user_where_messages_go("sms")
        sms_send(
            phone=phone,
            text=f"【{sign}】验证码 {code}，15分钟内有效。请勿告诉他人。",
            kind=MessageKind.SIGN_IN_CODE,
            params={"code": code},
        )

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        _tell_demo_user_where_messages_go("sms")
        sms_send(phone=phone, text=f"【{sms_signature_for(None)}】此号码尚未注册。", template="account_unknown")

    def send_account_already_exists_sms(self, phone: str, **kwargs) -> None:
        owner = self.get_user_by_phone(phone)
        _tell_demo_user_where_messages_go("sms")
        if owner is None:  # the email address given with this number has an account, the number has none
            text = "有人用此号码申请注册，但所填的邮箱已有账号，注册未完成。如不是您本人，请忽略本短信。"
        else:
            text = "有人用此号码申请注册，而此号码已有账号。如是您本人，请直接登录或找回密码；如不是，请忽略本短信。"
        template = "account_exists" if owner else "account_email_taken"
        sms_send(phone=phone, text=f"【{sms_signature_for(owner)}】{text}", template=template)
