"""`{% submission_key_field %}`: the hidden key that lets a crisis form be sent again without being stored twice
(centers.submissions.services.once_per_submission)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from centers.submissions.services import FIELD, submission_key

register = template.Library()


@register.simple_tag
def submission_key_field() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, submission_key())
