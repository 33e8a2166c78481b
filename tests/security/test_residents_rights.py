"""A resident sees and downloads everything held about them, and can have it erased while the
aggregate figures stay right (issue 6, item 9)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from centers import hooks
from centers.audit.models import AuditEvent
from centers.models import Resident, User
from centers.privacy.models import ConsentRecord
from centers.privacy.services import consent_give
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(monkeypatch):
    """An app that holds something about people (as appointments and cases will)."""
    monkeypatch.setattr(hooks, "_providers", hooks.defaultdict(list))
    held = {}

    def export(*, resident):
        return {"bookings": held.get(resident.pk, [])}

    def anonymise(*, resident, actor):
        held[resident.pk] = [
            {"at": row["at"], "station": row["station"], "note": ""} for row in held.get(resident.pk, [])
        ]

    hooks.register("person_export", export)
    hooks.register("person_anonymise", anonymise)
    return held


def test_the_data_page_shows_everything_and_is_audited(client_for, resident_user, resident, provider):
    provider[resident.pk] = [{"at": "2026-11-20T10:00", "station": "east", "note": "周三下午"}]
    consent_give(resident=resident, purpose="screening", actor=resident_user)
    response = client_for(resident_user).get(reverse("centers:my_data"))
    html = response.content.decode()
    assert "林小雨" in html and "13812341234" in html and "周三下午" in html and "心理自评问卷" in html
    assert "2026年11月20日" in html  # times in words, not ISO
    assert '"purpose"' not in html and "2026-11-20T10:00" not in html  # a readable page, not the raw dump
    assert "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="person.export", actor=resident_user).exists()


def test_the_download_is_json_with_every_section(client_for, resident_user, resident, provider):
    provider[resident.pk] = [{"at": "2026-11-20T10:00", "station": "east", "note": "周三下午"}]
    response = client_for(resident_user).get(reverse("centers:my_data_download"))
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["resident"]["full_name"] == "林小雨"
    assert data["account"]["email"] == resident_user.email
    assert data["bookings"][0]["note"] == "周三下午"
    assert {"consents", "wards", "record_accesses", "exported_at"} <= set(data)


def test_a_guardian_downloads_a_childs_data_but_not_a_strangers(client_for, resident_user, resident):
    child = ResidentFactory(center=resident.center, station=resident.station, guardian=resident, full_name="林小树")
    stranger = ResidentFactory(center=resident.center, station=resident.station, full_name="陌生人")
    client = client_for(resident_user)
    data = json.loads(client.get(reverse("centers:ward_data_download", args=[child.pk])).content)
    assert data["resident"]["full_name"] == "林小树"
    assert data["account"] is None
    response = client.get(reverse("centers:ward_data_download", args=[stranger.pk]))
    assert response.status_code == 404
    assert "陌生人" not in response.content.decode()


def test_erasure_anonymises_the_person_and_keeps_the_figures(client_for, resident_user, resident, provider, password):
    provider[resident.pk] = [{"at": "2026-11-20T10:00", "station": "east", "note": "周三下午"}]
    consent_give(resident=resident, purpose="screening", actor=resident_user)
    per_station_before = Resident.objects.filter(station=resident.station).count()
    client = client_for(resident_user)
    wrong = client.post(reverse("centers:erase_me"), {"password": "not-my-password", "confirm": "on"})
    assert wrong.status_code == 200 and Resident.objects.get(pk=resident.pk).full_name == "林小雨"
    response = client.post(reverse("centers:erase_me"), {"password": password, "confirm": "on"})
    assert response["Location"] == reverse("centers:home")
    erased = Resident.objects.get(pk=resident.pk)
    assert erased.anonymised_at is not None
    assert "林小雨" not in erased.full_name and erased.phone == ""
    assert erased.station_id == resident.station_id  # still counted where they were served
    assert Resident.objects.filter(station=resident.station).count() == per_station_before
    assert provider[resident.pk] == [{"at": "2026-11-20T10:00", "station": "east", "note": ""}]
    assert not ConsentRecord.objects.filter(resident=resident, withdrawn_at__isnull=True).exists()
    account = User.objects.get(pk=resident_user.pk)
    assert not account.is_active and account.email == "" and not account.has_usable_password()
    # Signed out, and the old sign-in no longer works.
    assert client.get(reverse("centers:my_data"))["Location"].startswith(reverse("account_login"))
    assert (
        client.post(reverse("account_login"), {"login": resident_user.email, "password": password}).status_code == 200
    )
    row = AuditEvent.objects.get(action="person.anonymise")
    assert row.object_id == str(resident.pk) and "林小雨" not in json.dumps(row.detail, ensure_ascii=False)


def test_erasure_needs_the_tick_and_nothing_changes_without_it(client_for, resident_user, resident, password):
    response = client_for(resident_user).post(reverse("centers:erase_me"), {"password": password})
    assert response.status_code == 200
    assert Resident.objects.get(pk=resident.pk).anonymised_at is None
    assert User.objects.get(pk=resident_user.pk).is_active


def test_staff_have_no_erasure_page(client_for, counselor):
    assert client_for(counselor).get(reverse("centers:erase_me")).status_code == 404


def test_a_provider_failure_leaves_nothing_half_erased(client_for, resident_user, resident, password, monkeypatch):
    monkeypatch.setattr(hooks, "_providers", hooks.defaultdict(list))

    def broken(*, resident, actor):
        raise RuntimeError("the cases app could not blank its notes")

    hooks.register("person_anonymise", broken)
    with pytest.raises(RuntimeError):
        client_for(resident_user).post(reverse("centers:erase_me"), {"password": password, "confirm": "on"})
    assert Resident.objects.get(pk=resident.pk).full_name == "林小雨"
    assert User.objects.get(pk=resident_user.pk).is_active


def test_staff_see_their_own_account_data(client_for, counselor):
    data = json.loads(client_for(counselor).get(reverse("centers:my_data_download")).content)
    assert data["account"]["email"] == counselor.email
    assert "resident" not in data
    assert UserFactory  # factories importable for other apps' tests
