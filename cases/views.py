"""Staff workspaces. Each page says plainly what it will hold until its issue lands."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from centers.models import Role
from centers.policies import has_role


def _role_page(request: HttpRequest, roles: tuple[str, ...], template: str) -> HttpResponse:
    if not has_role(request.user, *roles):
        raise Http404
    return render(request, template)


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    """The counselor's workspace."""
    return _role_page(request, (Role.COUNSELOR, Role.SUPERVISOR), "cases/workspace.html")


@login_required
def console(request: HttpRequest) -> HttpResponse:
    """The supervisor's console."""
    return _role_page(request, (Role.SUPERVISOR,), "cases/console.html")


@login_required
def consultations(request: HttpRequest) -> HttpResponse:
    """The consultations asked of an expert."""
    return _role_page(request, (Role.EXPERT,), "cases/consultations.html")


@login_required
def volunteer_tasks(request: HttpRequest) -> HttpResponse:
    """A volunteer's follow-up visits and duties."""
    return _role_page(request, (Role.VOLUNTEER,), "cases/volunteer_tasks.html")
