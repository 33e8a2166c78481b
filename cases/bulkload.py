"""Fast bulk loading for the scale dataset: COPY on PostgreSQL, batched bulk_create elsewhere.

Rows are dicts of attnames; a missing column takes the field's default. Only the seed_scale command uses
this: it writes synthetic data for benchmarks, never people's records, so it bypasses the services on purpose.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import time
from collections.abc import Iterable, Iterator

from django.db import connection, models

_PLAIN = {
    models.AutoField,
    models.EmailField,
    models.SlugField,
    models.PositiveSmallIntegerField,
    models.PositiveIntegerField,
    models.SmallIntegerField,
    models.OneToOneField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.DateTimeField,
    models.ForeignKey,
    models.IntegerField,
    models.TextField,
}


class Progress:
    """A one-line progress bar on stderr: label, bar, count, rate."""

    def __init__(self, label: str, total: int, stream=None):
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.started = self.last = time.monotonic()

    def add(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= 0.5 or self.done >= self.total:
            self.last = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        rate = self.done / max(now - self.started, 1e-6)
        self.stream.write(f"\r{self.label:<14} [{bar:<30}] {self.done:>10,}/{self.total:,} {rate:>9,.0f}/s")
        self.stream.flush()

    def close(self) -> float:
        elapsed = time.monotonic() - self.started
        self._draw(time.monotonic())
        self.stream.write(f"  {elapsed:.1f}s\n")
        return elapsed


def _copy_value(field, value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(field, models.JSONField):
        value = json.dumps(value, ensure_ascii=False)
    elif type(field) not in _PLAIN:  # exact types: an encrypted TextField must go through its own preparation
        value = field.get_db_prep_value(value, connection, prepared=False)
        if value is None:
            return r"\N"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in "\\\t\n\r"):
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def load(model, rows: Iterable[dict], *, total: int, label: str, batch: int = 20_000, with_pk: bool = True) -> int:
    """Insert rows (each with an explicit "id" unless with_pk=False) and return how many went in."""
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    defaults = {}
    for field in fields:
        if field.has_default():
            defaults[field.attname] = field.get_default()
        elif field.null:
            defaults[field.attname] = None
        else:
            defaults[field.attname] = "" if isinstance(field, models.CharField | models.TextField) else None
    progress = Progress(label, total)
    count = 0
    for chunk in _chunks(rows, batch):
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in chunk:
                values = [_copy_value(f, row.get(f.attname, defaults[f.attname])) for f in fields]
                buffer.write("\t".join(values))
                buffer.write("\n")
            buffer.seek(0)
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
            with connection.cursor() as cursor:
                cursor.cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)
        else:
            model.objects.bulk_create(
                [model(**{f.attname: row.get(f.attname, defaults[f.attname]) for f in fields}) for row in chunk],
                batch_size=2_000,
            )
        count += len(chunk)
        progress.add(len(chunk))
    progress.close()
    return count


def reset_sequence(model) -> None:
    if connection.vendor != "postgresql":
        return
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({pk}), 1)) FROM {table}",  # noqa: S608
            [table, pk],
        )


def _chunks(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
