"""Schema operations for tables that are large in production (appointments, cases, audit rows).

A plain AddIndex on PostgreSQL takes a lock that stops every write to the table until the index is
built: on the district dataset, seconds in which no one can book or record anything. AddIndexOnline
builds it with CREATE INDEX CONCURRENTLY instead, so the portal keeps working during the migration.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


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
