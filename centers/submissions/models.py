"""A form sent twice is stored once: the key a crisis form carries, and where its first sending led."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class FormSubmission(models.Model):
    """One sending of a form that asks for help, by the key its page carried (centers.submissions.services).

    Kept for a day (the same person sends the same page again within minutes, if at all); `location` is where the
    first sending led, so a second sending of the same page lands there too instead of storing the cry again.
    """

    key = models.UUIDField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    location = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        app_label = "centers"
        db_table = "centers_formsubmission"

    def __str__(self) -> str:
        return f"{self.key} → {self.location or '-'}"
