"""Sign-in, sign-up, passwords and second factor (django-allauth and allauth.mfa)."""

from tests.security.matrix import EVERYONE, SIGNED_IN, Target, route


def _email_key(world, scope):
    return Target(kwargs={"key": "not-a-real-key"})


def _reset_key(world, scope):
    return Target(kwargs={"uidb36": "1", "key": "not-a-real-key"})


ROUTES = [
    # Signed-in people are sent on to their own page by the sign-in and sign-up pages.
    route("account_login", SIGNED_IN, anonymous=200, get=302, post=302),
    route("account_signup", SIGNED_IN, anonymous=200, get=302, post=302),
    route("account_logout", SIGNED_IN, anonymous=302, get=200, post=302),
    route("account_inactive", EVERYONE, anonymous=200, post=None),
    route("account_reauthenticate", SIGNED_IN, post=200),
    route("account_email", SIGNED_IN, post=302),
    route("account_email_verification_sent", EVERYONE, anonymous=200, post=None),
    route(
        "account_confirm_email",
        EVERYONE,
        anonymous=200,
        post=404,
        target=_email_key,
        scoped=False,
        status={"anonymous:POST": 404},
    ),
    route("account_change_password", SIGNED_IN, post=200),
    route("account_set_password", SIGNED_IN, get=302, post=302),  # everyone has a password: on to "change"
    route("account_reset_password", EVERYONE, anonymous=200, post=200),
    route("account_reset_password_done", EVERYONE, anonymous=200, post=None),
    route("account_reset_password_from_key", EVERYONE, anonymous=200, post=200, target=_reset_key, scoped=False),
    route("account_reset_password_from_key_done", EVERYONE, anonymous=200, post=None),
    route("account_confirm_login_code", SIGNED_IN, get=302, post=302),  # no code pending: on to one's page
    route("account_verify_phone", SIGNED_IN, get=302, post=302),
    route("account_change_phone", SIGNED_IN, post=200),
    # Second factor. Changing it asks for the password again first (a redirect to reauthenticate).
    route("mfa_index", SIGNED_IN, post=None),
    route("mfa_authenticate", SIGNED_IN, get=302, post=302),  # no sign-in pending: on to one's page
    route("mfa_reauthenticate", SIGNED_IN - {"resident"}, post=200, status={"resident": 302, "staff_without_2fa": 302}),
    route("mfa_activate_totp", SIGNED_IN, get=302, post=302),
    route("mfa_deactivate_totp", SIGNED_IN - {"resident"}, get=302, post=302),
    route("mfa_generate_recovery_codes", SIGNED_IN, get=302, post=302),
    route("mfa_view_recovery_codes", (), post=None),  # nobody in the matrix has recovery codes yet
    route("mfa_download_recovery_codes", (), post=404),
]

# Sign in with WeChat (allauth.socialaccount with the Weixin provider, centers/wechat_login/). The matrix runs
# without the official account's keys, as a portal that has not set WeChat up: its sign-in pages are not found.
_SOCIAL_MOVED = 301  # allauth's old "social/" addresses, moved for good to "3rdparty/"
ROUTES += [
    route("weixin_login", (), anonymous=404, post=404),
    route("weixin_callback", (), anonymous=404, post=404),
    route("weixin_confirm_phone", EVERYONE, anonymous=302, get=302, post=302),  # no WeChat sign-in held
    route("socialaccount_connections", SIGNED_IN, post=200),
    route("socialaccount_login_cancelled", EVERYONE, anonymous=200, post=None),
    route("socialaccount_login_error", EVERYONE, anonymous=401, get=401, post=None),  # "sign-in failed"
    route("socialaccount_signup", EVERYONE, anonymous=302, get=302, post=302),  # no WeChat sign-in held
    *(
        route(
            f"accounts/social/{path}",
            EVERYONE,
            anonymous=_SOCIAL_MOVED,
            get=_SOCIAL_MOVED,
            post=_SOCIAL_MOVED,
            target=lambda world, scope, path=path: Target(url=f"/accounts/social/{path}"),
            scoped=False,
        )
        for path in ("connections/", "login/cancelled/", "login/error/", "signup/")
    ),
]
