"""A resident's comment on a session is encrypted at rest: the column becomes EncryptedTextField and the comments
held in clear are encrypted in place."""

import centers.infra.crypto
from centers.infra.migration_operations import EncryptColumn
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0007_appointment_session_note"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feedback",
            name="comment",
            field=centers.infra.crypto.EncryptedTextField(blank=True, max_length=1000, verbose_name="comment"),
        ),
        EncryptColumn("feedback", "comment"),
    ]
