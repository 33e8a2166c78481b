"""A crisis form sent twice is stored once (centers.submissions): the answer a person never saw, because the web
instance died or the proxy dropped it, is sent again from the same page and must not raise a second alert."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.alerts.models import CallbackRequest, CrisisAlert
from cases.screenings.models import Screening
from centers.privacy.models import ConsentPurpose
from centers.privacy.services import consent_give
from centers.submissions.models import FormSubmission
from tests.cases.conftest import phq9
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

ACUTE = phq9(3, item9=3)


@pytest.fixture
def consented(resident, resident_user):
    consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=resident_user)
    return resident


def _take_url(resident):
    return reverse("cases:self_check_take", args=[resident.pk, "phq9"])


def _key_on_page(page: str) -> str:
    marker = 'name="submission_key" value="'
    assert marker in page, "the questionnaire carries no submission key"
    return page.split(marker)[1].split('"')[0]


def test_the_questionnaire_carries_a_fresh_key_each_time_it_is_opened(client_for, resident_user, consented):
    client = client_for(resident_user)
    first = _key_on_page(client.get(_take_url(consented)).content.decode())
    second = _key_on_page(client.get(_take_url(consented)).content.decode())
    assert first != second and uuid.UUID(first)


def test_the_same_page_sent_twice_stores_one_cry_and_lands_on_the_same_help_page(
    client_for, resident_user, consented, on_duty
):
    client = client_for(resident_user)
    key = _key_on_page(client.get(_take_url(consented)).content.decode())
    first = client.post(_take_url(consented), {**ACUTE, "submission_key": key})
    again = client.post(_take_url(consented), {**ACUTE, "submission_key": key})
    screening = Screening.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == reverse("cases:self_check_help", args=[screening.pk])
    assert CrisisAlert.objects.count() == 1


def test_a_refused_sending_keeps_no_key_so_the_corrected_one_is_stored(client_for, resident_user, consented):
    client = client_for(resident_user)
    key = _key_on_page(client.get(_take_url(consented)).content.decode())
    missing = {name: value for name, value in ACUTE.items() if name != "q4"}
    refused = client.post(_take_url(consented), {**missing, "submission_key": key})
    assert refused.status_code == 400 and not Screening.objects.exists()
    assert not FormSubmission.objects.exists()
    stored = client.post(_take_url(consented), {**ACUTE, "submission_key": key})
    assert stored.status_code == 302 and Screening.objects.count() == 1


def test_another_persons_key_is_no_way_into_their_answer(client_for, resident_user, consented, center, station):
    client = client_for(resident_user)
    key = _key_on_page(client.get(_take_url(consented)).content.decode())
    client.post(_take_url(consented), {**ACUTE, "submission_key": key})
    other = ResidentFactory(center=center, station=station, user=UserFactory())
    consent_give(resident=other, purpose=ConsentPurpose.SCREENING, actor=other.user)
    theirs = client_for(other.user).post(_take_url(other), {**phq9(2), "submission_key": key})
    # their own answers are stored and they see their own result, not the first person's crisis page
    assert Screening.objects.filter(resident=other).count() == 1
    assert theirs["Location"] == reverse("cases:self_check_result", args=[Screening.objects.get(resident=other).pk])


def test_a_page_without_a_key_is_stored_as_before(client_for, resident_user, consented):
    response = client_for(resident_user).post(_take_url(consented), phq9(3))
    assert response.status_code == 302 and Screening.objects.count() == 1
    assert not FormSubmission.objects.exists()


def test_help_now_sent_twice_asks_for_one_callback(client_for, resident_user, resident, on_duty):
    client = client_for(resident_user)
    page = client.get(reverse("cases:help_now")).content.decode()
    key = _key_on_page(page)
    fields = {"phone": resident.phone, "submission_key": key}
    first = client.post(reverse("cases:help_now"), fields)
    again = client.post(reverse("cases:help_now"), fields, follow=True)
    assert first.status_code == 302 and again.redirect_chain == [(reverse("cases:help_now"), 302)]
    assert "我们已经收到您发送的内容，不会重复保存。" in again.content.decode()  # "We already have what you sent …"
    assert CallbackRequest.objects.count() == 1


def test_a_sending_sent_to_the_consent_page_first_is_stored_once_consent_is_given(
    client_for, resident_user, resident, on_duty
):
    client = client_for(resident_user)
    key = uuid.uuid4().hex
    asked = client.post(_take_url(resident), {**ACUTE, "submission_key": key})
    assert asked["Location"] == reverse("cases:self_check_consent", args=[resident.pk])
    assert not FormSubmission.objects.exists()
    client.post(reverse("cases:self_check_consent", args=[resident.pk]), {"agree": "on"})
    stored = client.post(_take_url(resident), {**ACUTE, "submission_key": key})
    screening = Screening.objects.get()
    assert stored["Location"] == reverse("cases:self_check_help", args=[screening.pk])


def test_keys_older_than_a_day_are_forgotten(client_for, resident_user, consented):
    client = client_for(resident_user)
    old = uuid.uuid4()
    FormSubmission.objects.create(key=old, user=resident_user, location="/somewhere/")
    FormSubmission.objects.filter(key=old).update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    client.post(_take_url(consented), {**phq9(3), "submission_key": uuid.uuid4().hex})
    assert not FormSubmission.objects.filter(key=old).exists()
    assert FormSubmission.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's shared in-memory test database refuses concurrent writers"
)
@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_the_same_moment_store_one_cry(resident, on_duty):
    consent_give(resident=resident, purpose=ConsentPurpose.SCREENING, actor=resident.user)
    key = uuid.uuid4().hex
    gate = threading.Barrier(2)
    statuses: list[int] = []

    def send() -> None:
        try:
            client = Client()
            client.force_login(resident.user)
            gate.wait()
            statuses.append(client.post(_take_url(resident), {**ACUTE, "submission_key": key}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    assert Screening.objects.filter(resident=resident).count() == 1
    assert CrisisAlert.objects.count() == 1
