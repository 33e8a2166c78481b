"""Once per submission: a crisis form sent again (a dropped answer, a proxy's error page, a double tap) is not
stored again.

The page carries a random key (`{% submission_key_field %}`); the view runs in one transaction with a row for
that key, written first. A second sending of the same key waits on that row until the first commits, then is
sent where the first one led; if the first never committed (its web instance died mid-way), the row went with
it and the second sending is stored as the only one. A sending that was refused (the form shown again with its
errors) keeps no row, so the corrected form goes through.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from centers.submissions.models import FormSubmission

FIELD = "submission_key"
KEPT = dt.timedelta(days=1)


def submission_key() -> str:
    return uuid.uuid4().hex


def _key_of(request: HttpRequest) -> uuid.UUID | None:
    if request.method != "POST":
        return None
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:  # an old page without the key, or a tampered one: handled as before, once
        return None


def once_per_submission(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = _key_of(request)
        if key is None:
            return view(request, *args, **kwargs)
        user_id = request.user.pk if request.user.is_authenticated else None
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = FormSubmission.objects.create(key=key, user_id=user_id)
            except IntegrityError:  # sent before: the first sending has committed (we waited for it)
                owner = Q(user__isnull=True) if user_id is None else Q(user_id=user_id)
                first = FormSubmission.objects.filter(owner, key=key).first()
                if first is not None and first.location:
                    return HttpResponseRedirect(first.location)
                return view(request, *args, **kwargs)  # another person's key, or nothing stored: as before
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponseRedirect):
                row.location = response["Location"][:300]
                row.save(update_fields=["location"])
            else:
                row.delete()
            FormSubmission.objects.filter(created_at__lt=timezone.now() - KEPT).delete()
            return response

    return wrapped
