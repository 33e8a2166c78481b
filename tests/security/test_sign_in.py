"""Staff second factor, lockout and sessions (issue 6, items 2, 3 and 4)."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from centers.audit.models import AuditEvent
from centers.models import Role
from tests.factories import totp_code

pytestmark = pytest.mark.django_db


def sign_in(client, login: str, password: str):
    return client.post(reverse("account_login"), {"login": login, "password": password})


# --- Second factor -----------------------------------------------------------------------


def test_staff_sign_in_asks_for_the_authenticator_code(client, counselor, password):
    response = sign_in(client, counselor.email, password)
    assert response["Location"] == reverse("mfa_authenticate")
    # Not signed in yet: the workspace still asks for sign-in.
    assert reverse("account_login") in client.get(reverse("cases:workspace"))["Location"]
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "请输入身份验证器应用当前显示的 6 位数字" in wrong.content.decode()  # not "错误代码"
    assert AuditEvent.objects.filter(action="mfa.failed", object_id=str(counselor.pk), outcome="denied").exists()
    right = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert right["Location"] == reverse("cases:workspace")
    assert client.get(reverse("cases:workspace")).status_code == 200
    row = AuditEvent.objects.get(action="login", actor=counselor)
    assert row.detail == {"second_factor": True}


def test_a_recovery_code_also_passes_the_second_step(client, counselor, password):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    code = RecoveryCodes.activate(counselor).get_unused_codes()[0]
    sign_in(client, counselor.email, password)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response["Location"] == reverse("cases:workspace")


@pytest.mark.parametrize("url_name", ["cases:workspace", "centers:staff_list", "centers:resident_home", "admin:index"])
def test_staff_without_a_second_factor_reach_no_personal_data(client, make_staff, password, url_name):
    user = make_staff(Role.SUPERVISOR, totp=False, is_staff=True)
    response = sign_in(client, user.email, password)
    # Signed in with the password alone, but every page with data sends them to set up the app.
    assert client.get(response["Location"])["Location"] == reverse("mfa_activate_totp")
    response = client.get(reverse(url_name), follow=True)
    assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
    # allauth asks for the password once more before a factor is added.
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "second factor" in response.content.decode() or "二次验证" in response.content.decode()
    # Setting up the app, signing out and the crisis page stay open.
    assert client.get(reverse("centers:crisis")).status_code == 200


def test_setting_up_the_app_opens_the_pages(client, make_staff, password, django_capture_on_commit_callbacks):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    user = make_staff(Role.COUNSELOR, totp=False)
    sign_in(client, user.email, password)
    client.post(reverse("account_reauthenticate"), {"password": password})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    counters = list(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("cases:workspace")).status_code == 200
    assert AuditEvent.objects.filter(action="mfa.add", actor=user).exists()


def test_staff_cannot_remove_their_authenticator_app(client, counselor, password):
    sign_in(client, counselor.email, password)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    client.post(reverse("account_reauthenticate"), {"password": password})
    client.post(reverse("mfa_deactivate_totp"), {})
    assert Authenticator.objects.filter(user=counselor, type=Authenticator.Type.TOTP).exists()


def test_residents_need_no_second_factor(client, resident_user, password):
    response = sign_in(client, resident_user.email, password)
    assert response["Location"] == reverse("centers:resident_home")


def test_the_admin_sign_in_is_allauths(client):
    response = client.get(reverse("admin:login"))
    assert response["Location"].startswith(reverse("account_login"))


# --- Lockout -----------------------------------------------------------------------------


def test_five_failed_sign_ins_lock_the_account_and_are_logged(client, resident_user, password):
    for _ in range(5):
        response = sign_in(client, resident_user.email, "wrong-password-123")
        assert response.status_code == 200
    assert AuditEvent.objects.filter(action="login.failed", object_id=str(resident_user.pk)).count() == 5
    # The right password no longer helps, whichever identifier is typed.
    locked = sign_in(client, resident_user.email, password)
    assert locked.status_code == 200
    assert "_auth_user_id" not in client.session
    html = locked.content.decode()
    assert "登录失败次数过多" in html and "暂停 15 分钟" in html and "督导" in html  # how long, and who can lift it
    assert AuditEvent.objects.filter(action="login.locked", object_id=str(resident_user.pk), outcome="denied").exists()


def test_the_mobile_number_shares_the_accounts_counter(client, resident_user, password):
    resident_user.phone = "13812341234"
    resident_user.save()
    for login in ["13812341234", resident_user.email, "13812341234", resident_user.email, "13812341234"]:
        sign_in(client, login, "wrong-password-123")
    assert sign_in(client, resident_user.email, password).status_code == 200
    assert "_auth_user_id" not in client.session


def test_another_account_from_the_same_address_still_signs_in(client, resident_user, make_staff, password):
    other = make_staff(Role.VOLUNTEER, totp=False)
    other_resident_user = type(resident_user).objects.create_user(
        username="other-resident", email="other@example.cn", password=password
    )
    for _ in range(6):
        sign_in(client, resident_user.email, "wrong-password-123")
    response = sign_in(client, other_resident_user.email, password)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other_resident_user.pk)
    assert other  # a second account on the same address was not touched


def test_the_lock_lifts_after_the_lockout_period(client, resident_user, password, settings):
    import time_machine

    for _ in range(5):
        sign_in(client, resident_user.email, "wrong-password-123")
    with time_machine.travel(time.time() + settings.FUCHENG_LOCKOUT_MINUTES * 60 + 5):
        response = sign_in(client, resident_user.email, password)
    assert response.status_code == 302


def test_probing_unknown_addresses_locks_nobody_real(client, resident_user, password):
    for number in range(8):
        sign_in(client, f"nobody{number}@example.cn", "wrong-password-123")
    assert sign_in(client, resident_user.email, password).status_code == 302


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [("short-pw1", "too short"), ("password1234", "too common"), ("lin.xiaoyu.88", "like the account")],
)
def test_password_validators_refuse_weak_passwords(client, station, candidate, reason):
    response = client.post(
        reverse("account_signup"),
        {
            "full_name": "林小雨",
            "station": station.pk,
            "email": "lin.xiaoyu.88@example.cn",
            "password1": candidate,
            "password2": candidate,
        },
    )
    assert response.status_code == 200, reason
    assert not type(station).objects.none().exists()
    from centers.models import User

    assert not User.objects.filter(email="lin.xiaoyu.88@example.cn").exists(), reason


# --- Sessions ----------------------------------------------------------------------------


def test_the_session_key_changes_at_sign_in_and_sign_out_ends_it(client, resident_user, password):
    client.get(reverse("account_login"))
    client.session.save()
    before = client.session.session_key
    sign_in(client, resident_user.email, password)
    after = client.session.session_key
    assert after and after != before
    client.post(reverse("account_logout"))
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=after).exists()
    assert reverse("account_login") in client.get(reverse("centers:resident_home"))["Location"]
    assert AuditEvent.objects.filter(action="logout", actor=resident_user).exists()


def test_staff_sessions_end_after_30_idle_minutes(client_for, counselor):
    import time_machine

    client = client_for(counselor)
    assert client.get(reverse("cases:workspace")).status_code == 200
    with time_machine.travel(time.time() + 29 * 60):
        assert client.get(reverse("cases:workspace")).status_code == 200
    with time_machine.travel(time.time() + 29 * 60 + 31 * 60):
        response = client.get(reverse("cases:workspace"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert reverse("account_login") in client.get(reverse("cases:workspace"))["Location"]


def test_session_cookie_is_httponly_and_lax(client, resident_user, password):
    response = sign_in(client, resident_user.email, password)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_pages_for_signed_in_people_are_not_cached(client_for, resident_user):
    response = client_for(resident_user).get(reverse("centers:resident_home"))
    assert "no-store" in response["Cache-Control"]


def test_guessing_the_authenticator_code_locks_too(client, counselor, password):
    sign_in(client, counselor.email, password)
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 200  # refused although the code is right
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="mfa.failed", object_id=str(counselor.pk)).count() >= 5


def test_staff_pages_do_not_rewrite_the_session_on_every_request(client_for, counselor):
    """The idle mark moves at most once a minute, so a busy counselor's pages do not each write the session."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(counselor)
    client.get(reverse("cases:workspace"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("cases:workspace")).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == []


# --- Throttling by address and account (issue 25, item 9) ----------------------------------------------------


def test_a_strangers_wrong_passwords_do_not_lock_the_counselor_out(make_staff, client_for, center, station, password):
    counselor = make_staff(Role.COUNSELOR, station=station)
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        sign_in(stranger, counselor.email, "wrong-password-123")
    assert "_auth_user_id" not in stranger.session
    refused = sign_in(stranger, counselor.email, password)  # even the right password, from that address
    assert refused.status_code == 200 and "mfa" not in refused.get("Location", "")
    # The counselor, at the station, signs in as usual (then the authenticator code).
    at_station = Client(REMOTE_ADDR="10.20.0.5")
    assert sign_in(at_station, counselor.email, password)["Location"] == reverse("mfa_authenticate")

    # The supervisor sees the pause on the staff page and lifts it; the row says who did.
    supervisor = make_staff(Role.SUPERVISOR)
    page = client_for(supervisor).get(reverse("centers:staff_list"))
    row, paused_at = [(m, at) for m, at in page.context["rows"] if m.user_id == counselor.pk][0]
    assert paused_at is not None
    assert 'data-testid="sign-in-paused"' in page.content.decode()
    response = client_for(supervisor).post(reverse("centers:staff_unlock", args=[row.pk]))
    assert response.status_code == 302
    unlock = AuditEvent.objects.get(action="login.unlock", object_id=str(counselor.pk))
    assert unlock.actor == supervisor and unlock.center_id_at == center.pk
    assert sign_in(stranger, counselor.email, password)["Location"] == reverse("mfa_authenticate")
    page = client_for(supervisor).get(reverse("centers:staff_list"))
    assert 'data-testid="sign-in-paused"' not in page.content.decode()


def test_only_the_persons_own_supervisor_lifts_a_pause(make_staff, client_for, other_center, station):
    counselor = make_staff(Role.COUNSELOR, station=station)
    membership = counselor.memberships.get()
    elsewhere = make_staff(Role.SUPERVISOR, center_=other_center)
    response = client_for(elsewhere).post(reverse("centers:staff_unlock", args=[membership.pk]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="login.unlock").exists()
