"""What the community pages share: a staff member's scope or a 404, and the workshop a staff page is about."""

from __future__ import annotations

from django.http import Http404

from centers.community import selectors as sel
from centers.community.models import Workshop
from centers.community.policies import CommunityScope
from centers.http import AuthedRequest
from centers.models import Center, Station


def scope_or_404(scope: CommunityScope) -> CommunityScope:
    """The scope, if the user acts anywhere on this side; else the page does not exist for them."""
    if scope.empty:
        raise Http404
    return scope


def center_or_404(scope: CommunityScope, station: Station | None) -> Center:
    """The center a new row belongs to (the station's, else the staff member's first center)."""
    center = sel.center_in_scope(scope=scope, station=station)
    if center is None:
        raise Http404
    return center


def staff_workshop_or_404(request: AuthedRequest, pk: int) -> Workshop:
    """The workshop, if the signed-in staff member runs it."""
    workshop = sel.workshop_for_staff(user=request.user, pk=pk)
    if workshop is None:
        raise Http404
    return workshop
