"""The crawl: every role on the demo street, DEBUG off, follows every link and submits every form it reaches.

Fails on any server error, any HTML page without the crisis hotlines (12356, 110, 120 and the person's center's
24-hour number), any link that leads to an address that only takes forms (a blank 405), and any untranslated
English on the Chinese pages. Sign-out and the language switch are not
followed (see crawler.EXCLUDED). Prints pages and form submissions per role (`pytest -s` shows it).
"""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django.test import Client

from centers.accounts.demo_security import DEMO_TOTP_SECRET
from centers.management.commands.seed_demo import DEMO_PASSWORD, demo_email
from centers.middleware import LAST_SEEN_KEY
from centers.models import Center, User
from tests.crawl.crawler import Crawl
from tests.factories import totp_code

pytestmark = pytest.mark.django_db(transaction=True)

# role → the demo account (README's table of demo sign-ins).
ROLES = {
    "resident": "resident",
    "counselor": "counselor",
    "night counselor": "night",
    "supervisor": "supervisor",
    "station manager": "manager",
    "expert": "expert",
    "volunteer": "volunteer",
    "official": "official",
    "auditor": "auditor",
}
START = ["/", "/help/", "/me/", "/cases/workspace/", "/station/", "/dashboard/", "/audit/", "/staff/"]


@pytest.fixture
def demo_street(transactional_db, settings):
    settings.DEBUG = False
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    settings.EMAIL_BACKEND = "tests.messaging.guard.OutboxOnlyEmailBackend"
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())


def sign_in(client: Client, email: str) -> None:
    """As a person does: the sign-in form, then for staff the authenticator app's code."""
    response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
    if response.status_code == 302 and "/accounts/2fa/authenticate/" in response["Location"]:
        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(DEMO_TOTP_SECRET)})
    assert response.status_code == 302 and "/accounts/" not in response["Location"], f"{email} could not sign in"


def again(client: Client, email: str):
    """After a form ended the session (a password change, an erasure): back in, if the account still may."""

    def sign_in_again():
        user = User.objects.filter(email=email, is_active=True).first()
        if user is None:
            return False  # the account is gone (the person erased it): this role's crawl ends there
        client.force_login(user)  # the code just used may not be used twice within its 30 seconds
        session = client.session
        session[LAST_SEEN_KEY] = int(time.time())
        session.save()
        return True

    return sign_in_again


def test_every_role_crawls_the_demo_street_without_a_server_error_a_missing_hotline_or_english(demo_street):
    center = Center.objects.get(code="fucheng")
    hotlines = {"12356", "110", "120", center.hotline}
    started = time.monotonic()
    crawls = []
    visitor = Crawl(client=Client(HTTP_ACCEPT_LANGUAGE="zh-CN"), role="visitor", hotlines=hotlines, max_pages=40)
    visitor.run(["/", "/help/", "/accounts/login/", "/accounts/signup/", "/community/workshops/"])
    crawls.append(visitor)
    for role, key in ROLES.items():
        email = demo_email(key)
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
        sign_in(client, email)
        crawl = Crawl(client=client, role=role, hotlines=hotlines, sign_in_again=again(client, email))
        crawl.run(START)
        crawls.append(crawl)

    print(f"\nThe crawl in {time.monotonic() - started:.0f} s:")
    for crawl in crawls:
        print("  " + crawl.summary())
    findings = [finding for crawl in crawls for finding in crawl.findings]
    for crawl in crawls:
        assert crawl.pages >= 5, f"{crawl.role} reached only {crawl.pages} pages: the crawl did not get in"
    assert not findings, f"{len(findings)} problems:\n" + "\n".join(map(str, findings))
