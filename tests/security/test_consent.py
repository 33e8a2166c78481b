"""Consent (PIPL): separate per purpose, versioned, never pre-ticked, a guardian for under-14s,
withdrawal stops new processing (issue 6, item 6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from centers.audit.models import AuditEvent
from centers.privacy import consent as consent_module
from centers.privacy.consent import has_consent
from centers.privacy.models import ConsentRecord
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def give(client, resident, purpose, agree=True):
    """Tick the box, then say yes on the confirmation page."""
    data = {"agree": "on", "confirmed": "yes"} if agree else {}
    return client.post(reverse("centers:consent_give", args=[resident.pk, purpose]), data, follow=True)


@pytest.fixture
def child(resident):
    ten_years_ago = timezone.localdate() - dt.timedelta(days=365 * 10)
    return ResidentFactory(
        center=resident.center,
        station=resident.station,
        guardian=resident,
        full_name="林小树",
        birth_date=ten_years_ago,
    )


def test_nothing_is_ticked_in_advance_and_each_purpose_is_separate(client_for, resident_user):
    html = client_for(resident_user).get(reverse("centers:consent_list")).content.decode()
    assert html.count('type="checkbox"') == 3  # screening, case record, online counseling
    assert "checked" not in html
    assert html.count("Not given.") + html.count("未同意") == 3


def test_giving_one_consent_gives_only_that_one(client_for, resident_user, resident):
    response = give(client_for(resident_user), resident, "screening")
    assert response.redirect_chain[-1][0] == reverse("centers:consent_list")
    assert has_consent(resident, "screening")
    assert not has_consent(resident, "case_record")
    record = ConsentRecord.objects.get(resident=resident, purpose="screening")
    assert record.version == consent_module.current_version("screening")
    assert not record.by_guardian
    assert AuditEvent.objects.filter(action="consent.give", object_id=str(resident.pk)).count() == 1


def test_without_the_tick_nothing_is_recorded(client_for, resident_user, resident):
    response = give(client_for(resident_user), resident, "screening", agree=False)
    assert "Tick the box" in response.content.decode() or "勾选" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_withdrawal_stops_new_processing(client_for, resident_user, resident):
    client = client_for(resident_user)
    give(client, resident, "case_record")
    client.post(reverse("centers:consent_withdraw", args=[resident.pk, "case_record"]))
    assert not has_consent(resident, "case_record")
    record = ConsentRecord.objects.get(resident=resident, purpose="case_record")
    assert record.withdrawn_at is not None  # the history stays
    assert AuditEvent.objects.filter(action="consent.withdraw", object_id=str(resident.pk)).exists()


def test_a_new_version_of_the_text_asks_again(client_for, resident_user, resident, monkeypatch):
    client = client_for(resident_user)
    give(client, resident, "screening")
    texts = dict(consent_module.CONSENT_TEXTS)
    texts["screening"] = ("2027-01", texts["screening"][1])
    monkeypatch.setattr(consent_module, "CONSENT_TEXTS", texts)
    html = client.get(reverse("centers:consent_list")).content.decode()
    assert "The text has changed" in html or "文本已更新" in html
    give(client, resident, "screening")
    versions = list(
        ConsentRecord.objects.filter(resident=resident).order_by("given_at").values_list("version", "withdrawn_at")
    )
    assert [v for v, _ in versions] == ["2026-11", "2027-01"]
    assert versions[0][1] is not None and versions[1][1] is None


def test_a_guardian_consents_for_a_child_under_14(client_for, resident_user, child):
    html = client_for(resident_user).get(reverse("centers:consent_list")).content.decode()
    assert "林小树" in html
    give(client_for(resident_user), child, "screening")
    assert ConsentRecord.objects.get(resident=child).by_guardian


def test_a_child_under_14_cannot_consent_alone(client_for, child):
    child.user = UserFactory()
    child.save()
    response = give(client_for(child.user), child, "screening")
    assert "guardian must give" in response.content.decode() or "监护人" in response.content.decode()
    assert not ConsentRecord.objects.filter(resident=child).exists()


def test_another_persons_consent_is_a_404(client_for, resident_user, center, station):
    stranger = ResidentFactory(center=center, station=station, full_name="陌生人")
    client = client_for(resident_user)
    assert (
        client.post(reverse("centers:consent_give", args=[stranger.pk, "screening"]), {"agree": "on"}).status_code
        == 404
    )
    assert client.post(reverse("centers:consent_withdraw", args=[stranger.pk, "screening"])).status_code == 404
    assert not ConsentRecord.objects.filter(resident=stranger).exists()


def test_an_unknown_purpose_is_a_404(client_for, resident_user, resident):
    response = client_for(resident_user).post(
        reverse("centers:consent_give", args=[resident.pk, "marketing"]), {"agree": "on"}
    )
    assert response.status_code == 404


def test_require_consent_refuses_new_processing_after_withdrawal(resident_user, resident, english):
    from django.core.exceptions import ValidationError

    from centers.privacy.consent import require_consent
    from centers.privacy.services import consent_give, consent_withdraw

    with pytest.raises(ValidationError, match="consent"):
        require_consent(resident, "screening")
    consent_give(resident=resident, purpose="screening", actor=resident_user)
    require_consent(resident, "screening")
    consent_withdraw(resident=resident, purpose="screening", actor=resident_user)
    with pytest.raises(ValidationError):
        require_consent(resident, "screening")


def test_the_consent_page_queries_do_not_grow_with_children(client_for, resident_user, resident):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(resident_user)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("centers:consent_list")).status_code == 200
        return len(ctx.captured_queries)

    ResidentFactory(center=resident.center, station=resident.station, guardian=resident)
    one = queries()
    for _ in range(4):
        ResidentFactory(center=resident.center, station=resident.station, guardian=resident)
    assert queries() == one
