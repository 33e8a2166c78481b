"""The demo street (manage.py seed_demo) in the live server, for walks over every role's main pages.

The journeys build their own small worlds with factories; the page walks (phone fit, axe, Chinese,
screenshots) use the demo so the pages show what a real street looks like, full lists and charts included.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from centers.accounts.demo_security import DEMO_TOTP_SECRET

DEMO_PASSWORD = "fucheng-demo-2026"


def demo_email(key: str) -> str:
    return f"{key}@demo.fucheng.cn"


@pytest.fixture
def demo(transactional_db, settings):
    """Seed the demo street once for the test (about 15 s on SQLite)."""
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())


def sign_in_demo(page, key: str) -> None:
    """Sign in as a demo account; staff pass the second step with the demo's authenticator secret."""
    from tests.factories import totp_code

    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", demo_email(key))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/2fa/authenticate/" in page.url:
        page.fill("input[name=code]", totp_code(DEMO_TOTP_SECRET))
        page.click("main button[type=submit]")
        page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{key} could not sign in"
