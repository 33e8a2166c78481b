"""The request a signed-in page receives, typed: `request.user` is the portal's User, not AnonymousUser.

Views behind `login_required` (or a policy that already refused visitors) annotate `request: AuthedRequest`.
"""

from __future__ import annotations

from django.http import HttpRequest

from centers.models import User


class AuthedRequest(HttpRequest):
    user: User  # type: ignore[assignment]  # narrowed: login_required ran before the view
