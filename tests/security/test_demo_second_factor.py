"""Demo staff sign in with a fixed demo authenticator secret; the code comes from `demo_totp`."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from centers.accounts.demo_security import DEMO_TOTP_SECRET
from centers.management.commands.seed_demo import DEMO_PASSWORD
from tests.factories import totp_code

pytestmark = pytest.mark.django_db


def test_demo_staff_sign_in_with_the_printed_code(client, capsys):
    call_command("seed_demo", quiet_logins=True)
    call_command("seed_security")
    call_command("seed_security")  # idempotent
    capsys.readouterr()
    call_command("demo_totp", "counselor@demo.fucheng.cn")
    code = capsys.readouterr().out.strip()
    assert code == totp_code(DEMO_TOTP_SECRET)
    response = client.post(reverse("account_login"), {"login": "counselor@demo.fucheng.cn", "password": DEMO_PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response["Location"] == reverse("cases:workspace")


def test_demo_totp_refuses_real_accounts():
    with pytest.raises(CommandError):
        call_command("demo_totp", "someone@example.cn")


def test_the_demo_secret_is_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_security")
