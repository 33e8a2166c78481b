"""Contacts passed to the responsible station (issue 25, item 3): filed by intake when the person is outside the
staff member's scope, taken up by that station's counselors into the person's record."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import policies
from cases.models import Case
from cases.recipients import station_counselor_list, supervisor_list
from cases.referrals.models import StationRequest
from cases.services.common import permission_require
from cases.services.intake import case_intake, with_name_given
from cases.services.notifications import absolute_url, users_notify
from centers.audit.log import audit_record
from centers.models import Center, Resident, Station, User
from centers.services import resident_create_by_staff


@transaction.atomic
def station_request_file(
    *,
    actor: User,
    center: Center,
    station: Station | None,
    resident: Resident | None,
    channel: str,
    source: str = "",
    phone: str = "",
    name_given: str = "",
    summary: str = "",
    sender_case: Case | None = None,
) -> StationRequest:
    """Pass a contact to `station` (None: the center). Its counselors (else the center's supervisors) are told."""
    permission_require(policies.is_case_worker(actor) and center.pk in policies.case_worker_center_ids(actor))
    request = StationRequest.objects.create(
        center=center,
        station=station,
        resident=resident,
        requested_by=actor,
        channel=channel,
        source=source[:120],
        phone=phone,
        name_given=" ".join(name_given.split())[:60],
        summary=summary,
        sender_case=sender_case,
    )
    audit_record(
        actor=actor,
        action="station_request.file",
        obj=request,
        center_id=center.pk,
        station_id=station.pk if station else None,
        detail={"resident": resident.pk if resident else None},
    )
    people = station_counselor_list(center=center, station=station) or supervisor_list(center=center)
    with translation.override(settings.LANGUAGE_CODE):
        users_notify(
            users=people,
            center=center,
            now=timezone.now(),
            subject=_("A contact was passed to your station"),
            text=_("Take it up on the passed-on contacts page: %(url)s")
            % {"url": absolute_url(reverse("cases:station_requests"))},
            key=f"station-request:{request.pk}",
        )
    return request


@transaction.atomic
def station_request_take_up(*, actor: User, request: StationRequest) -> tuple[Case, bool]:
    """Take a passed-on contact into the person's record: join, reopen or open their case as any intake would.
    Without a record, one is registered from the number and name given (a look-alike is offered first)."""
    request = StationRequest.objects.select_for_update().get(pk=request.pk)
    permission_require(StationRequest.objects.filter(policies.station_request_q(actor), pk=request.pk).exists())
    if request.taken_up_at is not None:
        raise ValidationError(_("Someone has already taken this contact up."))
    resident = request.resident
    if resident is None or resident.anonymised_at is not None:
        if not request.name_given:
            raise ValidationError(_("No name was given with this contact: open a case for the person by hand."))
        resident = resident_create_by_staff(
            actor=actor,
            center=request.center,
            full_name=request.name_given,
            phone=request.phone,
            station=request.station,
        )
    summary = with_name_given(request.summary, request.name_given)
    case, created = case_intake(
        resident=resident,
        center=request.center,
        channel=request.channel,
        source=request.source,
        actor=actor,
        station=request.station,
        summary=summary,
        ref=f"station-request:{request.pk}",
    )
    request.taken_up_at = timezone.now()
    request.taken_up_by = actor
    request.case = case
    request.save(update_fields=["taken_up_at", "taken_up_by", "case"])
    audit_record(actor=actor, action="station_request.take_up", obj=request, center_id=request.center_id)
    return case, created
