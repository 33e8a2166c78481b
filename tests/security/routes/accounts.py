"""Sign-in, sign-up, passwords and second factor (django-allauth and allauth.mfa)."""

from ..matrix import EVERYONE, SIGNED_IN, Target, route


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
