"""On PostgreSQL the database itself refuses overlapping active appointments of one counselor or one
resident (exclusion constraints over time ranges). SQLite has no such constraint; there the partial
unique constraints and the booking service's lock keep the rule."""

from django.db import migrations

CONSTRAINTS = {
    "appointment_counselor_no_overlap": "counselor_id",
    "appointment_resident_no_overlap": "resident_id",
}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE appointments_appointment ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) WHERE (status <> 'cancelled')"
        )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
