"""Schema and data operations for tables that are large in production (appointments, cases, audit rows).

A plain AddIndex on PostgreSQL takes a lock that stops every write to the table until the index is
built: on the district dataset, seconds in which no one can book or record anything. AddIndexOnline
builds it with CREATE INDEX CONCURRENTLY instead, so the portal keeps working during the migration.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex, RunPython

from centers.infra.crypto import decrypt_text, encrypt_text, is_encrypted


class AddIndexOnline(AddIndexConcurrently):
    """AddIndex that does not block writes on PostgreSQL, and is a plain AddIndex elsewhere (SQLite).

    The migration must set ``atomic = False`` (PostgreSQL builds such an index outside a transaction), so
    the index and the row recording the migration are no longer written together. A run stopped between
    the two, or a concurrent build that was interrupted (it leaves an invalid index behind, which
    PostgreSQL never uses), leaves an index of this name that no recorded migration made; it is dropped
    first, so running ``migrate`` again finishes the work instead of failing on "already exists".
    """

    def describe(self) -> str:
        return f"Create index {self.index.name} on {self.model_name} without blocking writes"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        postgres = schema_editor.connection.vendor == "postgresql"
        if postgres:
            self._ensure_not_in_transaction(schema_editor)
        # The name is this migration's own: an index of that name is a leftover of an earlier attempt.
        leftover = schema_editor.quote_name(self.index.name)
        schema_editor.execute(f"DROP INDEX {'CONCURRENTLY ' if postgres else ''}IF EXISTS {leftover}")
        if postgres:
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
            return
        super().database_backwards(app_label, schema_editor, from_state, to_state)


class EncryptColumn(RunPython):
    """Encrypt, in place, the values a column held in clear before its field became an EncryptedTextField.

    Goes after the AlterField that makes the column text. Values already encrypted are left alone, so a run
    stopped half-way is finished by running ``migrate`` again; backwards, values are decrypted.
    """

    def __init__(self, model_name: str, field_name: str) -> None:
        self.model_name, self.field_name = model_name, field_name
        super().__init__(self._encrypt, self._decrypt, elidable=False)

    def describe(self) -> str:
        return f"Encrypt the stored values of {self.model_name}.{self.field_name}"

    def _column(self, apps, schema_editor) -> tuple[str, str, str]:
        model = apps.get_model(self.app_label, self.model_name)
        quote = schema_editor.quote_name
        column = model._meta.get_field(self.field_name).column
        return quote(model._meta.db_table), quote(model._meta.pk.column), quote(column)

    def _rewrite(self, apps, schema_editor, convert) -> None:
        table, pk, column = self._column(apps, schema_editor)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
            rows = cursor.fetchall()
            for row_pk, value in rows:
                new = convert(value)
                if new is not None:
                    cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", [new, row_pk])  # noqa: S608

    def _encrypt(self, apps, schema_editor) -> None:
        self._rewrite(apps, schema_editor, lambda value: None if is_encrypted(value) else encrypt_text(value))

    def _decrypt(self, apps, schema_editor) -> None:
        self._rewrite(apps, schema_editor, lambda value: decrypt_text(value) if is_encrypted(value) else None)

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self.app_label = app_label
        super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self.app_label = app_label
        super().database_backwards(app_label, schema_editor, from_state, to_state)

    def deconstruct(self):
        return (self.__class__.__name__, [self.model_name, self.field_name], {})


def run_vendor_sql(
    *, postgresql: str, postgresql_reverse: str, sqlite: list[str], sqlite_reverse: list[str]
) -> RunPython:
    """SQL that differs by database (triggers): PostgreSQL's as one script, SQLite's statement by statement."""

    def run(script: str, statements: list[str]):
        def apply(apps, schema_editor) -> None:
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(script)
            elif schema_editor.connection.vendor == "sqlite":
                for statement in statements:
                    schema_editor.execute(statement)

        return apply

    return RunPython(run(postgresql, sqlite), run(postgresql_reverse, sqlite_reverse))
