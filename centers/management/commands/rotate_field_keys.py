"""Re-encrypt every encrypted field with the newest key in FUCHENG_FIELD_KEYS (and its scheme: Fernet or SM4).

Rotation: put a new key first in FUCHENG_FIELD_KEYS (keep the old one after it), restart, run
this command, then drop the old key. Safe to run twice; rows already on the newest key are
rewritten unchanged in meaning.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from centers.audit.log import audit_record
from centers.infra.crypto import EncryptedTextField, is_encrypted, rotate_text


def encrypted_columns() -> list[tuple[str, str, str]]:
    """(table, primary-key column, column) for every EncryptedTextField of every installed model."""
    found: list[tuple[str, str, str]] = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model._meta.db_table, str(model._meta.pk.column), str(field.column)))
    return found


def rotate_column(table: str, pk_column: str, column: str, batch_size: int = 500) -> int:
    """Re-encrypt one column in batches, each in its own transaction; returns the rows rewritten."""
    quote = connection.ops.quote_name
    t, pk, col = quote(table), quote(pk_column), quote(column)
    done = 0
    last = None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last is None:
                cursor.execute(f"SELECT {pk}, {col} FROM {t} ORDER BY {pk} LIMIT %s", [batch_size])  # noqa: S608
            else:
                cursor.execute(
                    f"SELECT {pk}, {col} FROM {t} WHERE {pk} > %s ORDER BY {pk} LIMIT %s",  # noqa: S608
                    [last, batch_size],
                )
            rows = cursor.fetchall()
            for row_pk, value in rows:
                if is_encrypted(value):
                    cursor.execute(f"UPDATE {t} SET {col} = %s WHERE {pk} = %s", [rotate_text(value), row_pk])  # noqa: S608
                    done += 1
        if len(rows) < batch_size:
            return done
        last = rows[-1][0]


class Command(BaseCommand):
    help = "Re-encrypt all encrypted fields (case notes, messages) with the newest key of FUCHENG_FIELD_KEYS."

    def handle(self, *args, **options):
        totals = {}
        for table, pk_column, column in encrypted_columns():
            totals[f"{table}.{column}"] = rotate_column(table, pk_column, column)
            self.stdout.write(f"{table}.{column}: {totals[f'{table}.{column}']} values re-encrypted")
        audit_record(actor=None, action="keys.rotate", actor_label="system", detail={"rows": totals})
        self.stdout.write(
            self.style.SUCCESS(f"Key rotation done: {sum(totals.values())} values in {len(totals)} columns.")
        )
