"""Acts that cannot be undone ask first on a page of their own (no script): cancelling an appointment, removing
a shift (never the one under way), publishing an evaluation (early only when the supervisor says so) and giving
a consent (recorded with how it was obtained). Refusals are sentences and keep what was sent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentStatus
from appointments.services.booking import appointment_book
from centers import hooks
from centers.audit.models import AuditEvent
from centers.models import DutyShift, ShiftKind
from centers.privacy.models import ConsentObtained, ConsentRecord
from centers.privacy.services import consent_give
from centers.reporting.evaluations import services as svc
from centers.reporting.evaluations.models import EvaluationCriterion
from centers.roster.services import duty_shift_delete
from tests.appointments.factories import SlotFactory, at
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_pages(english):
    """Assert on the English msgids."""


@pytest.fixture
def second(center, station):
    return ResidentFactory(center=center, station=station, user=UserFactory(), full_name="第二位")


def test_cancelling_asks_first_for_each_resident(resident, second, station, counselor, client_for):
    for hour, person in ((9, resident), (11, second)):
        slot = SlotFactory(center=station.center, station=station, counselor=counselor, starts_at=at(3, hour))
        appointment = appointment_book(slot=slot, resident=person, booked_by=person.user)
        client = client_for(person.user)
        url = reverse("appointments:cancel", args=[appointment.pk])
        page = client.post(url).content.decode()
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.BOOKED
        assert "Cancel this appointment?" in page and "offered to the next person waiting" in page
        assert "<script>" not in page and 'name="confirmed" value="yes"' in page
        client.post(url, {"confirmed": "yes"})
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CANCELLED


def _shift(center, user, starts, hours=4):
    return DutyShift.objects.create(
        center=center, user=user, kind=ShiftKind.ONSITE, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours)
    )


def test_the_shift_under_way_is_never_removed(center, supervisor, counselor, client_for):
    now = timezone.now()
    current = _shift(center, counselor, now - dt.timedelta(hours=1))
    later = _shift(center, counselor, now + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="under way"):
        duty_shift_delete(actor=supervisor, shift=current)
    client = client_for(supervisor)
    roster = client.get(reverse("appointments:roster")).content.decode()
    assert reverse("appointments:roster_delete", args=[current.pk]) not in roster
    assert reverse("appointments:roster_delete", args=[later.pk]) in roster
    refused = client.post(reverse("appointments:roster_delete", args=[current.pk]), {"confirmed": "yes"}, follow=True)
    text = refused.content.decode()
    assert "This shift is under way" in text and "[&#x27;" not in text
    assert DutyShift.objects.filter(pk=current.pk).exists()
    asked = client.post(reverse("appointments:roster_delete", args=[later.pk])).content.decode()
    assert "Remove this shift?" in asked and DutyShift.objects.filter(pk=later.pk).exists()
    client.post(reverse("appointments:roster_delete", args=[later.pk]), {"confirmed": "yes"})
    assert not DutyShift.objects.filter(pk=later.pk).exists()


@pytest.fixture
def current_quarter_draft(center, station, supervisor, monkeypatch):
    """A fully scored draft of the quarter that is still running."""
    monkeypatch.setattr(hooks, "collect_dict", lambda point, **kw: {"appointments_person_times_phone": 12})
    today = timezone.localdate()
    draft = svc.evaluation_quarter_open(
        center=center, year=today.year, quarter=(today.month - 1) // 3 + 1, actor=supervisor
    )[0]
    criteria = EvaluationCriterion.objects.filter(center=center, is_active=True)
    return svc.evaluation_score(evaluation=draft, actor=supervisor, scores={c.pk: Decimal(8) for c in criteria})


def test_publishing_before_the_quarter_ends_needs_the_supervisors_word(current_quarter_draft, supervisor, client_for):
    draft = current_quarter_draft
    with pytest.raises(ValidationError, match="not complete yet"):
        svc.evaluation_publish(evaluation=draft, actor=supervisor)
    client = client_for(supervisor)
    url = reverse("centers:evaluation_publish", args=[draft.pk])
    asked = client.post(url).content.decode()
    assert "Publish this evaluation?" in asked and "has not ended yet" in asked and 'name="early"' in asked
    # yes without ticking "publish early": refused in a sentence, on the same page, nothing published
    refused = client.post(url, {"confirmed": "yes"})
    text = refused.content.decode()
    assert refused.status_code == 400 and "its figures are not complete yet" in text and "[&#x27;" not in text
    draft.refresh_from_db()
    assert draft.status == "draft"
    client.post(url, {"confirmed": "yes", "early": "yes"})
    draft.refresh_from_db()
    assert draft.status == "published"
    assert AuditEvent.objects.get(action="evaluation.publish").detail == {"early": True}


def test_giving_a_consent_asks_first_and_records_how_it_was_obtained(resident, second, counselor, client_for):
    for person in (resident, second):
        client = client_for(person.user)
        url = reverse("centers:consent_give", args=[person.pk, "screening"])
        asked = client.post(url, {"agree": "on"}).content.decode()
        assert "Give this consent?" in asked and 'name="agree" value="on"' in asked  # the tick is carried
        assert not ConsentRecord.objects.filter(resident=person).exists()
        client.post(url, {"agree": "on", "confirmed": "yes"})
        record = ConsentRecord.objects.get(resident=person, purpose="screening")
        assert record.obtained_how == ConsentObtained.ONLINE
    # staff record what they were told, and how
    on_paper = consent_give(
        resident=resident, purpose="case_record", actor=counselor, obtained_how=ConsentObtained.PAPER
    )
    assert on_paper.obtained_how == ConsentObtained.PAPER
    told = consent_give(resident=second, purpose="case_record", actor=counselor)
    assert told.obtained_how == ConsentObtained.IN_PERSON  # never "online by the person" when staff record it
