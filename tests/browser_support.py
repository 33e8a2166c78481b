"""Playwright driving Debian's Chromium, headless, against the live server: fixtures and helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make chromium` (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, login: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")


def sign_in_staff(page, login: str, password: str) -> None:
    """Sign in as staff: password, then the authenticator app's code (make_staff gives one)."""
    from tests.factories import totp_code

    sign_in(page, login, password)
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", totp_code())
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def sms_code_sent_to(phone: str) -> str:
    """The newest verification code texted to `phone`, read from the test SMS outbox (settings.SMS_BACKEND
    must be centers.notify.LocmemSMSBackend: the `sms_outbox` fixture of tests/browser/conftest.py)."""
    import re

    from centers.notify import LocmemSMSBackend

    for message in reversed(LocmemSMSBackend.outbox):
        found = re.search(r"验证码 (\d{6})", message["text"]) if message["phone"] == phone else None
        if found:
            return found.group(1)
    raise AssertionError(f"no code was texted to {phone}: {LocmemSMSBackend.outbox}")


def sign_up_by_phone(page, *, station, full_name: str, phone: str, password: str) -> None:
    """A stranger signs up through the real form with a mobile number, receives the code by SMS, types it
    and reaches their page."""
    page.goto("/accounts/signup/")
    page.fill("input[name=full_name]", full_name)
    page.select_option("select[name=station]", str(station.pk))
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.click("form[action='/accounts/signup/'] button[type=submit]")
    page.wait_for_url("**/accounts/phone/verify/")
    page.fill("input[name=code]", sms_code_sent_to(phone))
    page.click("form[action='/accounts/phone/verify/'] button[type=submit]:not([form])")
    page.wait_for_url("**/me/")
