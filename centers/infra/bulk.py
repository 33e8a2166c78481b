"""Set-based inserts for sweeps: one `INSERT … SELECT FROM unnest(…)` per call on PostgreSQL.

`bulk_create` prepares every value of every row through its field, which for a sweep over 100,000 rows costs
more than the database's own work. Here the caller passes values as the database stores them (ids rather than
objects, aware datetimes, plain text, JSON-able dicts) and each column goes to PostgreSQL as one array.
Other databases (SQLite in tests) go through `bulk_create`, so both paths store the same rows.

Only plain columns may be written this way: an encrypted field is accepted only while every value is empty
(empty text is stored as is), so nothing that needs its field's preparation can slip through unprepared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from centers.infra.crypto import EncryptedTextField


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence],
    *,
    ignore_conflicts: bool = False,
) -> int:
    """Insert `rows` (tuples in the order of `columns`, attnames) into `model`'s table; return how many were given.

    With ignore_conflicts a row that would break a unique constraint is skipped (ON CONFLICT DO NOTHING).
    """
    if not rows:
        return 0
    fields = [_column_field(model, name) for name in columns]
    given = {field.attname for field in fields}
    if connection.vendor == "postgresql":  # a column left out takes its field's default, as bulk_create gives it
        missing = [f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key]
        if missing:
            defaults = tuple(field.get_default() for field in missing)
            fields += missing
            rows = [(*row, *defaults) for row in rows]
    for index, field in enumerate(fields):
        if isinstance(field, EncryptedTextField) and any(row[index] for row in rows):
            raise ValueError(f"{model.__name__}.{field.name} is encrypted: use bulk_create")
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows],
            batch_size=500,
            ignore_conflicts=ignore_conflicts,
        )
        return len(rows)
    arrays = []
    casts = []
    for index, field in enumerate(fields):
        values = [row[index] for row in rows]
        db_type = str(field.rel_db_type(connection) if field.is_relation else field.db_type(connection))
        if db_type.startswith("varchar"):
            db_type = "text"  # the column's own type then refuses a value too long, as an INSERT of one row would
        if isinstance(field, models.JSONField):
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        arrays.append(values)
        casts.append(f"%s::{db_type}[]")
    column_sql = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({column_sql}) SELECT * FROM unnest({', '.join(casts)})"  # noqa: S608
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
    return len(rows)


def _column_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The field of a column of `model` (a reverse relation has no column to insert into)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` ids from the table's own sequence, ascending (PostgreSQL), for rows whose order must follow their ids."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) AS id FROM generate_series(1, %s) ORDER BY id",
            [table, pk, count],
        )
        return [row[0] for row in cursor.fetchall()]
