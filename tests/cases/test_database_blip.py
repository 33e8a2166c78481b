"""A cry for help survives a database blip: the post is tried again; if the database stays away the person gets
a page with the hotlines first, their answers kept, and a button that sends them again, exactly once."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from cases.alerts.models import CallbackRequest, CrisisAlert
from cases.consult.models import Conversation, Message
from cases.screenings.models import Screening
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from tests.cases.conftest import phq9
from tests.pooler.session import through_pgbouncer

pytestmark = pytest.mark.django_db

HOTLINES = ("tel:12356", "tel:110", "tel:120", "tel:028-8888-0000")


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False
    settings.FUCHENG_CRISIS_RETRY_DELAYS = [0, 0, 0]


class Refusing:
    """Refuses the next `times` queries as an unreachable PostgreSQL does (None: until switched off)."""

    def __init__(self, times: int | None = None):
        self.times = times
        self.refused = 0

    def __call__(self, execute, sql, params, many, context):
        if self.times is None or self.refused < self.times:
            self.refused += 1
            raise OperationalError("could not connect to server: Connection refused")
        return execute(sql, params, many, context)


def _signed_in(user) -> Client:
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("cases:help_now"))  # a page with a form: the CSRF cookie, as in a browser
    return client


def _token(client: Client) -> str:
    return client.cookies["csrftoken"].value


def _kept_fields(page: str) -> list[tuple[str, str]]:
    form = re.search(r'<form method="post" action="[^"]*" data-testid="resend-form">(.*?)</form>', page, re.S)
    assert form, "the resend form is on the page"
    return [
        (unescape(name), unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1))
    ]


def _not_saved(response) -> str:
    page = response.content.decode()
    assert response.status_code == 503
    assert 'data-testid="not-saved-page"' in page
    for number in HOTLINES:
        assert number in page
    # the hotlines come before the statement and the button
    assert page.index("tel:12356") < page.index('data-testid="resend-form"')
    return page


def test_help_now_during_a_short_blip_is_retried_and_stored_once(resident):
    client = _signed_in(resident.user)
    blip = Refusing(times=2)
    with connection.execute_wrapper(blip):
        response = client.post(
            reverse("cases:help_now"), {"phone": "13812341234", "csrfmiddlewaretoken": _token(client)}
        )
    assert blip.refused == 2
    assert response.status_code == 302
    assert CallbackRequest.objects.filter(phone="13812341234").count() == 1
    assert CrisisAlert.objects.count() == 1


def test_help_now_with_the_database_away_keeps_the_request_and_resending_stores_it_once(resident):
    client = _signed_in(resident.user)
    down = Refusing()
    with connection.execute_wrapper(down):
        response = client.post(
            reverse("cases:help_now"), {"phone": "13812341234", "csrfmiddlewaretoken": _token(client)}
        )
    page = _not_saved(response)
    assert down.refused >= 4  # the first attempt and three more
    assert "您的求助还没有保存" in page and 'lang="zh-Hans"' in page
    kept = _kept_fields(page)
    assert ("phone", "13812341234") in kept
    assert not CallbackRequest.objects.exists() and not CrisisAlert.objects.exists()

    # The database is back; the person presses "send it again" (the page's own fields, CSRF enforced).
    again = client.post(reverse("cases:help_now"), dict(kept))
    assert again.status_code == 302
    assert CallbackRequest.objects.filter(phone="13812341234").count() == 1
    assert CrisisAlert.objects.count() == 1


def test_an_acute_self_check_survives_the_database_being_away(resident, on_duty):
    consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=resident.user)
    client = _signed_in(resident.user)
    url = reverse("cases:self_check_take", args=[resident.pk, "phq9"])
    answers = phq9(15, item9=3)
    with connection.execute_wrapper(Refusing()):
        response = client.post(url, {**answers, "csrfmiddlewaretoken": _token(client)})
    kept = dict(_kept_fields(_not_saved(response)))
    assert {key: int(kept[key]) for key in answers} == answers
    assert not Screening.objects.exists()

    again = client.post(url, kept)
    screening = Screening.objects.get()
    assert again.status_code == 302 and again["Location"] == reverse("cases:self_check_help", args=[screening.pk])
    assert screening.item9 == 3 and CrisisAlert.objects.count() == 1


def test_a_visitor_callback_survives_the_database_being_away_in_english(center, on_duty):
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.get(reverse("cases:help_now"))
    data = {"phone": "13955556666", "name": "小周", "center": center.pk, "csrfmiddlewaretoken": _token(client)}
    with connection.execute_wrapper(Refusing()):
        response = client.post(reverse("cases:help_now"), data, HTTP_ACCEPT_LANGUAGE="en")
    page = _not_saved(response)
    assert "Your request could not be saved yet" in page and "Send it again" in page
    kept = dict(_kept_fields(page))
    assert kept["phone"] == "13955556666" and kept["name"] == "小周"

    assert client.post(reverse("cases:help_now"), kept).status_code == 302
    assert CallbackRequest.objects.filter(phone="13955556666").count() == 1


def test_a_line_in_a_conversation_survives_the_database_being_away(resident, on_duty):
    from cases.consult import services as consult_services

    consent_give(resident=resident, purpose=ConsentPurpose.ONLINE_COUNSELING, actor=resident.user)
    conversation = consult_services.conversation_start(actor=resident.user, resident=resident, text="你好")
    lines_before = Message.objects.filter(conversation=conversation).count()
    client = _signed_in(resident.user)
    url = reverse("consult:conversation", args=[conversation.pk])
    with connection.execute_wrapper(Refusing()):
        response = client.post(url, {"text": "我撑不下去了", "csrfmiddlewaretoken": _token(client)})
    kept = dict(_kept_fields(_not_saved(response)))
    assert kept["text"] == "我撑不下去了"
    assert Message.objects.filter(conversation=conversation).count() == lines_before

    assert client.post(url, kept).status_code == 302
    assert [line.body for line in Message.objects.filter(conversation=conversation)].count("我撑不下去了") == 1
    assert Conversation.objects.count() == 1


def test_other_pages_keep_the_ordinary_error_page_without_a_resend(resident):
    client = _signed_in(resident.user)
    down = Refusing()
    with connection.execute_wrapper(down):
        response = client.post(
            reverse("centers:resident_home"), {"anything": "x", "csrfmiddlewaretoken": _token(client)}
        )
    page = response.content.decode()
    assert response.status_code == 500 and 'data-testid="error-page"' in page
    assert "resend-form" not in page
    assert down.refused == 1  # not retried


# --- PostgreSQL for real: the connection is killed by the server, then refused ---------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="kills a real PostgreSQL backend")
@pytest.mark.skipif(
    through_pgbouncer(),
    reason="PgBouncer keeps the client's connection when its server connection is killed; "
    "tests/faults/test_postgres_restart.py restarts PostgreSQL behind it",
)
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_killed_connection_is_reopened_and_a_refused_one_gets_the_resend_page(resident, on_duty):
    import psycopg2

    client = _signed_in(resident.user)
    token = _token(client)
    settings_dict = connection.settings_dict

    def kill_my_backend():
        connection.ensure_connection()
        pid = connection.connection.info.backend_pid
        admin = psycopg2.connect(
            dbname="postgres",
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"],
            host=settings_dict["HOST"],
            port=settings_dict["PORT"],
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        admin.close()

    # 1. PostgreSQL restarted under an open connection: the post is handled again on a new one, stored once.
    kill_my_backend()
    response = client.post(reverse("cases:help_now"), {"phone": "13812341234", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert CallbackRequest.objects.filter(phone="13812341234").count() == 1

    # 2. Killed, and new connections refused (a port nobody listens on): the resend page, nothing stored.
    kill_my_backend()
    port = settings_dict["PORT"]
    settings_dict["PORT"] = "1"
    try:
        response = client.post(reverse("cases:help_now"), {"phone": "13955556666", "csrfmiddlewaretoken": token})
    finally:
        settings_dict["PORT"] = port
        connection.close()
    kept = dict(_kept_fields(_not_saved(response)))
    assert CallbackRequest.objects.filter(phone="13955556666").count() == 0

    # 3. Back: the resend stores it exactly once.
    assert client.post(reverse("cases:help_now"), kept).status_code == 302
    assert CallbackRequest.objects.filter(phone="13955556666").count() == 1
