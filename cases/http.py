"""Request helpers shared by the pages of cases and its online conversations."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data of a POST, even an empty one (which is refused with the form's reasons,
    never shown again as if nothing had been sent)."""
    return request.POST if request.method == "POST" else None
