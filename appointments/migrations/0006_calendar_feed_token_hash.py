"""Calendar feed secrets are kept as SHA-256 hashes: the column is renamed and every stored secret hashed
in place, so the addresses counselors already subscribed to keep working."""

import hashlib
import re

from django.db import migrations, models

_HASHED = re.compile(r"^[0-9a-f]{64}$")


def hash_secrets(apps, schema_editor):
    CalendarFeed = apps.get_model("appointments", "CalendarFeed")
    for feed in CalendarFeed.objects.all():
        if not _HASHED.match(feed.token_hash):  # secrets are URL-safe base64 (43 characters), never 64 hex
            feed.token_hash = hashlib.sha256(feed.token_hash.encode()).hexdigest()
            feed.save(update_fields=["token_hash"])


class Migration(migrations.Migration):
    dependencies = [("appointments", "0005_encrypt_clinical_reasons")]

    operations = [
        migrations.RenameField(model_name="calendarfeed", old_name="token", new_name="token_hash"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="secret (SHA-256)"),
        ),
        migrations.RunPython(hash_secrets, migrations.RunPython.noop),
    ]
