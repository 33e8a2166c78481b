"""Browser tests: the fixtures (browser, page, phone_page) live in tests/browser_support.py and are
registered once for the whole suite by tests/conftest.py, so every app's browser tests share one
Playwright and one Chromium (two sync Playwrights in one process cannot run)."""

import pytest

from tests.browser_support import CHROMIUM, SCREENSHOTS, screenshot, sign_in, sign_in_staff  # noqa: F401


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Texts go to memory, so a journey can read the sign-up code the person would receive."""
    from centers.notify import LocmemSMSBackend

    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()
