"""What several appointment pages share: who the signed-in person acts for, the staff member's center, the
counselor a staff page is about, and what cancelling means."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import selectors
from appointments.models import Appointment
from appointments.policies import is_supervisor_of
from centers.http import AuthedRequest
from centers.models import Center, Resident, User
from centers.policies import resident_of
from centers.selectors import resident_wards


def posted_data(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST, even an empty one (which is refused with the form's reasons,
    never shown again as if nothing had been sent)."""
    return request.POST if request.method == "POST" else None


def centers_for(request: HttpRequest) -> QuerySet[Center]:
    """The centers a booking page offers: the signed-in resident's own, else all (a visitor looks around)."""
    resident = resident_of(request.user)
    centers = Center.objects.prefetch_related("stations").order_by("pk")
    return centers.filter(pk=resident.center_id) if resident else centers


def people_acting_for(request: AuthedRequest) -> list[Resident]:
    """The signed-in resident and the children in their care, for whom they book; empty without a record."""
    me = resident_of(request.user)
    return [me, *resident_wards(user=request.user)] if me else []


def cancel_consequences(appointment: Appointment) -> list[str]:
    """What cancelling means, said on the confirmation page (residents' and staff's alike)."""
    when = timezone.localtime(appointment.starts_at)
    return [
        _("The session on %(when)s with %(who)s (%(where)s) is cancelled.")
        % {"when": f"{when:%Y-%m-%d %H:%M}", "who": appointment.counselor.public_name, "where": appointment.where},
        _("The time is offered to the next person waiting; it cannot be taken back."),
    ]


def staff_center_or_404(request: AuthedRequest) -> Center:
    """The center a staff member books and plans for; a 404 for anyone without a staff role."""
    center = selectors.staff_center(user=request.user)
    if center is None:
        raise Http404
    return center


def counselor_param(request: AuthedRequest, center: Center) -> User:
    """The counselor a page is about: oneself, or (for a supervisor) any counselor of the center."""
    pk = request.GET.get("counselor") or request.POST.get("counselor_for")
    if pk and str(pk) != str(request.user.pk):
        if not is_supervisor_of(request.user, center.pk) or not str(pk).isdigit():
            raise Http404
        counselor = selectors.counselors_of_center(center=center).filter(pk=int(pk)).first()
        if counselor is None:
            raise Http404
        return counselor
    return request.user
