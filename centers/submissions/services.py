"""Once per submission: a crisis form sent again (a dropped answer, a proxy's error page reloaded, a double tap)
is not stored again.

The page carries a random key (`{% submission_key_field %}`); the view runs in one transaction with a row for
that key, written first. A second sending of the same key waits on that row until the first commits, then is
sent where the first one led; if the first never committed (its web instance died mid-way), the row went with
it and the second sending is stored as the only one. Only a sending the view stored keeps its row
(`submission_stored`): a refused one (the form again with its errors, the consent page first) keeps none, so
the corrected form goes through. A first sending stuck on a host that vanished holds the row for at most
LOCK_WAIT; the second is then stored on its own rather than kept waiting. Rows go after KEPT
(`form_submissions_purge`, run after each stored sending, outside its transaction).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.submissions.models import FormSubmission

logger = logging.getLogger(__name__)

FIELD = "submission_key"
KEPT = dt.timedelta(days=1)
LOCK_WAIT = "5s"
_STORED = "fucheng_submission_stored"


def submission_key() -> str:
    return uuid.uuid4().hex


def submission_stored(request: HttpRequest) -> None:
    """Called by a view once the cry is stored: its key is kept, and a second sending lands where this one led."""
    setattr(request, _STORED, True)


def _key_of(request: HttpRequest) -> uuid.UUID | None:
    if request.method != "POST":
        return None
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:  # an old page without the key, or a tampered one: handled as before, once
        return None


def _form_submission_claim(key: uuid.UUID, user_id: int | None) -> FormSubmission | None:
    """The key's row, written now; None if a first sending of it exists (it has committed: we waited for it)."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
            row = FormSubmission.objects.create(key=key, user_id=user_id)
    except IntegrityError:
        return None
    finally:
        if connection.vendor == "postgresql" and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    return row


def _first_sending(key: uuid.UUID, user_id: int | None) -> FormSubmission | None:
    owner = Q(user__isnull=True) if user_id is None else Q(user_id=user_id)
    return FormSubmission.objects.filter(owner, key=key).exclude(location="").first()


def form_submissions_purge() -> int:
    """Forget keys older than KEPT (the row says where a person's answers led, so it is kept no longer)."""
    deleted, _ = FormSubmission.objects.filter(created_at__lt=timezone.now() - KEPT).delete()
    return deleted


def once_per_submission(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a crisis form's view: the same page sent twice is stored once (the module's docstring says how)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = _key_of(request)
        if key is None:
            return view(request, *args, **kwargs)
        user_id = request.user.pk if request.user.is_authenticated else None
        with transaction.atomic():
            try:
                row = _form_submission_claim(key, user_id)
            except OperationalError:  # the first sending's row is held by a host that went away: store this one
                logger.warning("submissions: key %s still held after %s; stored without the check", key, LOCK_WAIT)
                return view(request, *args, **kwargs)
            if row is None:
                first = _first_sending(key, user_id)
                if first is not None:
                    messages.info(request, _("We already have what you sent. Nothing was stored twice."))
                    return HttpResponseRedirect(first.location)
                return view(request, *args, **kwargs)  # another person's key: handled as before
            response = view(request, *args, **kwargs)
            if getattr(request, _STORED, False) and isinstance(response, HttpResponseRedirect):
                row.location = response["Location"][:300]
                row.save(update_fields=["location"])
            else:
                row.delete()
        try:
            form_submissions_purge()
        except DatabaseError:  # the cry is stored; old keys wait for the next sending
            logger.warning("submissions: old keys could not be purged", exc_info=True)
        return response

    return wrapped
