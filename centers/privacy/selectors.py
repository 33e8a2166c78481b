"""Reads of a person's data and rights (PIPL Art. 44–47): whose consents a person manages, what the portal
holds about them, who processed their record, and what an erasure would keep. The other apps add their part
through the ``person_export``, ``record_objects`` and ``person_record_hold`` points of centers.hooks.
Exporting the data and listing who processed the record are audited reads.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from centers import hooks
from centers.audit.labels import action_label
from centers.audit.log import audit_record, role_display
from centers.audit.models import AuditEvent, AuditOutcome
from centers.models import Resident, Station, User
from centers.policies import Actor, can_record_erasure, resident_of
from centers.privacy.consent import consent_text, current_version
from centers.privacy.models import ConsentPurpose, ConsentRecord, ErasureRequest


def residents_acting_for(*, user: Actor) -> list[Resident]:
    """The signed-in resident and the children they are guardian of: whose consents they manage."""
    me = resident_of(user)
    if me is None or me.anonymised_at is not None:
        return []
    wards = list(Resident.objects.filter(guardian=me, anonymised_at__isnull=True).order_by("full_name"))
    return [me, *wards]


def resident_acting_for(*, user: Actor, pk: int) -> Resident | None:
    """One of residents_acting_for(), or None (another person's record is a 404 for the caller)."""
    return next((r for r in residents_acting_for(user=user) if r.pk == pk), None)


def consent_overviews(*, residents: list[Resident]) -> dict[int, list[dict[str, Any]]]:
    """consent_overview() for several people with one query (a guardian and their children)."""
    active: dict[int, dict[str, ConsentRecord]] = {r.pk: {} for r in residents}
    for record in ConsentRecord.objects.filter(resident__in=residents, withdrawn_at__isnull=True):
        active[record.resident_id][record.purpose] = record
    return {r.pk: _overview(active[r.pk]) for r in residents}


def consent_overview(*, resident: Resident) -> list[dict[str, Any]]:
    """Per purpose: the current text and version, the consent in force (if any) and whether it is current."""
    return consent_overviews(residents=[resident])[resident.pk]


def _overview(active: dict[str, ConsentRecord]) -> list[dict[str, Any]]:
    overview = []
    for purpose, label in ConsentPurpose.choices:
        record = active.get(purpose)
        version = current_version(purpose)
        overview.append(
            {
                "purpose": purpose,
                "label": label,
                "text": consent_text(purpose),
                "version": version,
                "record": record,
                "outdated": record is not None and record.version != version,
            }
        )
    return overview


def person_export(*, user: User, resident: Resident | None = None) -> dict[str, Any]:
    """Everything the portal holds about the signed-in person (or a child in their care), as JSON-able data.

    The export is itself an audited read.
    """
    me = resident_of(user)
    resident = resident or me
    if resident is not None and resident_acting_for(user=user, pk=resident.pk) is None:
        raise PermissionDenied
    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": _account_data(user) if resident is None or resident == me else None,
    }
    if resident is not None:
        data["resident"] = _resident_data(resident)
        data["consents"] = [
            {
                "purpose": c.purpose,
                "version": c.version,
                "given_at": c.given_at.isoformat(),
                "by_guardian": c.by_guardian,
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in ConsentRecord.objects.filter(resident=resident).order_by("given_at", "pk")
        ]
        data["wards"] = (
            [{"id": w.pk, "full_name": w.full_name} for w in resident.wards.filter(anonymised_at__isnull=True)]
            if resident == me
            else []
        )
        data["record_accesses"] = [
            {**entry, "at": entry["at"].isoformat()} for entry in _staff_reads(resident, limit=RECORD_VIEWS_LIMIT)
        ]
        for section, value in hooks.collect_dict("person_export", resident=resident).items():
            data[section] = value
    audit_record(
        actor=user,
        action="person.export",
        obj=resident if resident is not None else user,
        detail={"sections": sorted(k for k in data if data[k] is not None)},
    )
    return data


def _account_data(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "phone": user.phone,
        "phone_verified": user.phone_verified,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def _resident_data(resident: Resident) -> dict[str, Any]:
    return {
        "id": resident.pk,
        "full_name": resident.full_name,
        "phone": resident.phone,
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else None,
        "gender": resident.gender,
        "center": resident.center.name,
        "station": resident.station.name if resident.station else None,
        "guardian": resident.guardian.full_name if resident.guardian else None,
        "registered_at": resident.created_at.isoformat(),
    }


# Roles that are not staff: the person, a guardian, a visitor, the system's sweeps, an account without a role.
NON_STAFF_ROLES = ("", "resident", "anonymous", "system", "account")
RECORD_VIEWS_LIMIT = 200


def record_viewers(*, user: User, limit: int = RECORD_VIEWS_LIMIT) -> list[dict[str, Any]]:
    """Who processed the signed-in person's record: every staff read or change of their resident record, cases
    (with notes, referrals and follow-ups), screenings and conversations, newest first (PIPL Art. 44-45).

    Each entry is the role, the station (or center) and the time, never the staff member's name; the person's own
    acts and their guardian's are left out. Looking at the list writes one audit row, the person's own, so the
    list does not grow by being looked at.
    """
    resident = resident_of(user)
    if resident is None or resident.anonymised_at is not None:
        raise PermissionDenied
    viewers = _staff_reads(resident, limit=limit)
    audit_record(actor=user, action="person.record_views", obj=resident, detail={"shown": len(viewers)})
    return viewers


def _staff_reads(resident: Resident, *, limit: int) -> list[dict[str, Any]]:
    """The staff rows of the audit log about the person's record (see record_viewers), in words."""
    query = Q(object_type="centers.resident", object_id=str(resident.pk))
    for answer in hooks.collect("record_objects", resident=resident):
        for object_type, ids in answer.items():
            if ids:
                query |= Q(object_type=object_type, object_id__in=[str(pk) for pk in ids])
    guardian = resident.guardian
    own = [pk for pk in (resident.user_id, guardian.user_id if guardian else None) if pk]
    rows = list(
        AuditEvent.objects.filter(query, outcome=AuditOutcome.ALLOWED)
        .exclude(role__in=NON_STAFF_ROLES)
        .exclude(actor_id__in=own)
        .order_by("-id")
        .only("at", "role", "action", "object_type", "center_id_at", "station_id_at")[:limit]
    )
    station_ids = {row.station_id_at for row in rows if row.station_id_at}
    stations = {s.pk: s.name for s in Station.objects.filter(pk__in=station_ids)}
    center = resident.center
    return [
        {
            "at": row.at,
            "role": role_display(row.role),
            "place": (stations.get(row.station_id_at) if row.station_id_at else None)
            or (center.name if row.center_id_at == center.pk else ""),
            "action": action_label(row.action),
            "what": _record_part(row.object_type),
        }
        for row in rows
    ]


def _record_part(object_type: str) -> str:
    parts = {
        "centers.resident": _("Your personal record"),
        "cases.case": _("Your case"),
        "cases.screening": _("A questionnaire you filled in"),
        "cases.conversation": _("An online conversation"),
    }
    return str(parts.get(object_type, _("Your record")))


def person_record_holds(*, resident: Resident) -> list[dict[str, Any]]:
    """The counseling records an erasure of this person would keep (hook ``person_record_hold``), to say so
    before the person confirms."""
    return hooks.collect_list("person_record_hold", resident=resident)


def resident_for_erasure(*, user: Actor, pk: int) -> Resident | None:
    """A person staff may record an erasure for (policies.can_record_erasure), or None (a 404 for the caller)."""
    resident = Resident.objects.select_related("center", "user").filter(pk=pk).first()
    if resident is None or not can_record_erasure(user, resident):
        return None
    return resident


def latest_erasure_request(*, resident: Resident) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(resident=resident).order_by("-requested_at", "-pk").first()
