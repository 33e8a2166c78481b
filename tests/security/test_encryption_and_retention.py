"""Key rotation for encrypted fields (item 8) and audit retention (item 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from centers import crypto
from centers.audit import audit_record, audit_verify
from centers.management.commands.rotate_field_keys import rotate_column
from centers.models import AuditEvent

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
