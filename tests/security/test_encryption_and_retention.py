"""Key rotation for encrypted fields (item 8) and audit retention (item 7)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from centers.audit.log import audit_record, audit_verify
from centers.audit.models import AuditEvent
from centers.infra import crypto
from centers.management.commands.rotate_field_keys import rotate_column

pytestmark = pytest.mark.django_db


def test_rotation_moves_values_to_the_newest_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FUCHENG_FIELD_KEYS = old
    stored = [crypto.encrypt_text(f"会谈记录 {i}") for i in range(7)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE rotation_probe (id integer PRIMARY KEY, body text)")
        for i, value in enumerate(stored, start=1):
            cursor.execute("INSERT INTO rotation_probe (id, body) VALUES (%s, %s)", [i, value])
        cursor.execute("INSERT INTO rotation_probe (id, body) VALUES (%s, %s)", [99, ""])
    settings.FUCHENG_FIELD_KEYS = f"{new},{old}"
    assert rotate_column("rotation_probe", "id", "body", batch_size=3) == 7
    settings.FUCHENG_FIELD_KEYS = new  # the old key is gone
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM rotation_probe WHERE id < 99 ORDER BY id")
        values = [row[0] for row in cursor.fetchall()]
    assert [crypto.decrypt_text(v) for v in values] == [f"会谈记录 {i}" for i in range(7)]
    assert all("会谈" not in v for v in values)  # stored encrypted


def test_the_command_audits_the_rotation(capsys):
    call_command("rotate_field_keys")
    assert "Key rotation done" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="keys.rotate").exists()


def test_a_value_from_an_unknown_key_is_refused(settings):
    settings.FUCHENG_FIELD_KEYS = Fernet.generate_key().decode()
    stored = crypto.encrypt_text("secret")
    settings.FUCHENG_FIELD_KEYS = Fernet.generate_key().decode()
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt_text(stored)


def test_purge_removes_only_rows_past_retention_and_the_chain_still_verifies():
    import time_machine

    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=400)):
        old = [audit_record(actor=None, action="old.row") for _ in range(3)]
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=100)):
        young = audit_record(actor=None, action="young.row")
    call_command("purge_audit", older_than_days=365)
    assert not AuditEvent.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    assert AuditEvent.objects.filter(action="audit.purge").exists()
    assert audit_verify() == []


def test_purge_refuses_less_than_six_months():
    with pytest.raises(CommandError, match="183"):
        call_command("purge_audit", older_than_days=30)


# --- SM4 (GB/T 32907) by key prefix, and clinical free text encrypted at rest ---------------------------

SM4_KEY = "sm4:" + base64.b64encode(b"sixteen-byte-key").decode()


def test_an_sm4_key_first_encrypts_with_sm4_and_a_fernet_value_still_reads(settings):
    fernet_key = Fernet.generate_key().decode()
    settings.FUCHENG_FIELD_KEYS = fernet_key
    old = crypto.encrypt_text("会谈记录 fernet")
    settings.FUCHENG_FIELD_KEYS = f"{SM4_KEY},{fernet_key}"
    new = crypto.encrypt_text("会谈记录 sm4")
    assert old.startswith("fernet:") and new.startswith("sm4:")
    assert "会谈" not in new
    assert crypto.decrypt_text(old) == "会谈记录 fernet" and crypto.decrypt_text(new) == "会谈记录 sm4"
    assert crypto.encrypt_text("同一句话") != crypto.encrypt_text("同一句话"), "a fresh nonce every time"


def test_rotation_moves_values_between_schemes(settings):
    fernet_key = Fernet.generate_key().decode()
    settings.FUCHENG_FIELD_KEYS = fernet_key
    stored = [crypto.encrypt_text(f"记录 {i}") for i in range(3)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE scheme_probe (id integer PRIMARY KEY, body text)")
        for i, value in enumerate(stored, start=1):
            cursor.execute("INSERT INTO scheme_probe (id, body) VALUES (%s, %s)", [i, value])
    settings.FUCHENG_FIELD_KEYS = f"{SM4_KEY},{fernet_key}"
    assert rotate_column("scheme_probe", "id", "body", batch_size=2) == 3
    settings.FUCHENG_FIELD_KEYS = SM4_KEY  # the Fernet key is gone: everything must be SM4 now
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM scheme_probe ORDER BY id")
        values = [row[0] for row in cursor.fetchall()]
    assert all(value.startswith("sm4:") for value in values)
    assert [crypto.decrypt_text(v) for v in values] == ["记录 0", "记录 1", "记录 2"]


def test_a_changed_sm4_value_or_an_unknown_key_is_refused(settings):
    settings.FUCHENG_FIELD_KEYS = SM4_KEY
    stored = crypto.encrypt_text("secret")
    head, _, payload = stored.rpartition(":")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(ValueError):
        crypto.decrypt_text(f"{head}:{base64.b64encode(bytes(raw)).decode()}")
    settings.FUCHENG_FIELD_KEYS = "sm4:" + base64.b64encode(b"another-16-bytes").decode()
    with pytest.raises(ValueError):
        crypto.decrypt_text(stored)


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_reasons_and_outcomes_are_encrypted_at_rest(world):
    from cases.models import Case
    from tests.security import builders

    booking, _ = builders.appointment(world, "own")
    referral, _ = builders.referral(world, "own")
    follow_up, _ = builders.follow_up(world, "own")
    follow_up.outcome = "电话随访，情绪平稳"
    follow_up.save(update_fields=["outcome"])
    conversation, _ = builders.conversation(world, "own")
    conversation.block_reason = "多次发送骚扰信息"
    conversation.save(update_fields=["block_reason"])
    case = referral.case
    Case.objects.filter(pk=case.pk).update(pending_tier_reason="自述有轻生念头")
    stored = {
        ("appointments_appointment", "reason", booking.pk): "睡不好，想聊聊",
        ("cases_referral", "emergency_reason", referral.pk): "自伤风险",
        ("cases_followup", "outcome", follow_up.pk): "电话随访，情绪平稳",
        ("cases_conversation", "block_reason", conversation.pk): "多次发送骚扰信息",
        ("cases_case", "pending_tier_reason", case.pk): "自述有轻生念头",
    }
    for (table, column, pk), plain in stored.items():
        raw = _raw(table, column, pk)
        assert crypto.is_encrypted(raw) and plain not in raw, f"{table}.{column} is stored in clear"
        assert crypto.decrypt_text(raw) == plain
    case.refresh_from_db()
    assert case.pending_tier_reason == "自述有轻生念头"


@pytest.mark.django_db(transaction=True)
def test_the_migration_step_encrypts_what_was_stored_in_clear_once_and_back(world):
    from django.apps import apps
    from django.db.migrations.state import ProjectState

    from centers.infra.migration_operations import EncryptColumn
    from tests.security import builders

    referral, _ = builders.referral(world, "own")
    with connection.cursor() as cursor:  # as the column held it before the field was encrypted
        cursor.execute("UPDATE cases_referral SET emergency_reason = %s WHERE id = %s", ["有伤人风险", referral.pk])
    operation = EncryptColumn("referral", "emergency_reason")
    state = ProjectState.from_apps(apps)
    for _ in range(2):  # a second run (an interrupted migrate run again) leaves encrypted values alone
        with connection.schema_editor() as editor:
            operation.database_forwards("cases", editor, state, state)
        raw = _raw("cases_referral", "emergency_reason", referral.pk)
        assert crypto.is_encrypted(raw) and crypto.decrypt_text(raw) == "有伤人风险"
    with connection.schema_editor() as editor:
        operation.database_backwards("cases", editor, state, state)
    assert _raw("cases_referral", "emergency_reason", referral.pk) == "有伤人风险"
