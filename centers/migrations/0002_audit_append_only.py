"""The database itself refuses to change audit rows, or remove young ones.

UPDATE is always refused. DELETE is refused for rows younger than the
retention period (183 days), so a purge can remove only old rows. Together
with the hash chain (`manage.py verify_audit`) any tampering shows.
"""

from django.db import migrations

from centers.infra.migration_operations import run_vendor_sql

RETENTION_DAYS = 183

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION centers_auditevent_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit rows are append-only';
    END IF;
    IF OLD.at > now() - interval '{RETENTION_DAYS} days' THEN
        RAISE EXCEPTION 'audit rows younger than the retention period cannot be removed';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER centers_auditevent_guard
    BEFORE UPDATE OR DELETE ON centers_auditevent
    FOR EACH ROW EXECUTE FUNCTION centers_auditevent_guard();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS centers_auditevent_guard ON centers_auditevent;
DROP FUNCTION IF EXISTS centers_auditevent_guard();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER centers_auditevent_no_update BEFORE UPDATE ON centers_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;""",
    f"""CREATE TRIGGER centers_auditevent_no_young_delete BEFORE DELETE ON centers_auditevent
       WHEN julianday(OLD.at) > julianday('now', '-{RETENTION_DAYS} days')
       BEGIN SELECT RAISE(ABORT, 'audit rows younger than the retention period cannot be removed'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS centers_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS centers_auditevent_no_young_delete;",
]


class Migration(migrations.Migration):
    dependencies = [("centers", "0001_initial")]
    operations = [
        run_vendor_sql(
            postgresql=PG_FORWARD, postgresql_reverse=PG_REVERSE, sqlite=SQLITE_FORWARD, sqlite_reverse=SQLITE_REVERSE
        )
    ]
