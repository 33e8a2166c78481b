"""Pages of the community side of 1+16+N: service groups, volunteers, training, workshops."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import community_selectors as sel
from . import community_services as svc
from .audit import audit_record
from .community_forms import (
    AttendanceForm,
    CapacityForm,
    DutyAssignForm,
    GroupMembersForm,
    RegisterForm,
    ServiceGroupForm,
    StaffRegisterForm,
    TrainingAttendanceForm,
    TrainingRecordForm,
    TrainingSessionForm,
    VolunteerForm,
    VolunteerTaskForm,
    WorkshopForm,
)
from .community_models import RegistrationStatus, VolunteerTask
from .community_policies import (
    CommunityScope,
    can_manage_groups,
    group_scope,
    volunteer_is_cleared,
    volunteer_scope,
    workshop_scope,
)
from .errors import error_text, form_errors
from .models import Center, Role, Station, User
from .policies import has_role, resident_of


def _stations(scope: CommunityScope):
    return Station.objects.filter(
        Q(center_id__in=scope.center_ids) | Q(pk__in=scope.station_ids), is_active=True
    ).order_by("center_id", "code")


def _allow_center(scope: CommunityScope) -> bool:
    return bool(scope.center_ids or scope.premises_center_ids)


def _center_for(scope: CommunityScope, station: Station | None) -> Center:
    if station is not None:
        return station.center
    ids = sorted(scope.center_ids | scope.premises_center_ids)
    if not ids:
        raise Http404
    return Center.objects.get(pk=ids[0])


def _require_scope(scope: CommunityScope) -> CommunityScope:
    if scope.empty:
        raise Http404
    return scope


# --- Residents ------------------------------------------------------------------------------


def workshop_list(request: HttpRequest) -> HttpResponse:
    """Anyone: upcoming workshops and lectures, with places left; filter by station."""
    stations = Station.objects.filter(is_active=True, workshops__isnull=False).distinct().order_by("center_id", "code")
    station = None
    if request.GET.get("station", "").isdigit():
        station = Station.objects.filter(pk=int(request.GET["station"]), is_active=True).first()
    resident = resident_of(request.user)
    workshops = sel.workshop_list_public(center=resident.center if resident else None, station=station)
    return render(
        request,
        "centers/community/workshop_list.html",
        {"workshops": workshops, "stations": stations, "station": station},
    )


def workshop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone: one workshop; a signed-in resident sees the registration form."""
    workshop = sel.workshop_public_get(pk=pk)
    if workshop is None:
        raise Http404
    registrants = sel.registrants_for_user(user=request.user)
    form = RegisterForm(registrants=registrants) if registrants else None
    mine = (
        sel.registrations_for_user(user=request.user)
        .filter(workshop=workshop)
        .exclude(status=RegistrationStatus.CANCELLED)
    )
    return render(
        request,
        "centers/community/workshop_detail.html",
        {"workshop": workshop, "form": form, "mine": mine},
    )


@login_required
@require_POST
def workshop_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Residents: take a place (or a place on the waiting list) for themselves or a child."""
    workshop = sel.workshop_public_get(pk=pk)
    registrants = sel.registrants_for_user(user=request.user)
    if workshop is None or not registrants:
        raise Http404
    form = RegisterForm(request.POST, registrants=registrants)
    if form.is_valid():
        try:
            registration = svc.workshop_register(
                workshop=workshop,
                resident=form.cleaned_data["resident"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if registration.status == RegistrationStatus.CONFIRMED:
                messages.success(request, _("Your place is confirmed. We look forward to seeing you."))
            else:
                messages.info(
                    request,
                    _(
                        "The workshop is full. You are number %(position)s on the waiting list; we will text you if a place frees up."
                    )
                    % {"position": sel.waitlist_position(registration)},
                )
            return redirect("centers:my_workshops")
    mine = (
        sel.registrations_for_user(user=request.user)
        .filter(workshop=workshop)
        .exclude(status=RegistrationStatus.CANCELLED)
    )
    return render(
        request,
        "centers/community/workshop_detail.html",
        {"workshop": workshop, "form": form, "mine": mine},
        status=400,
    )


@login_required
def my_workshops(request: HttpRequest) -> HttpResponse:
    """Residents: the workshops they and their children registered for."""
    if resident_of(request.user) is None:
        raise Http404
    registrations = sel.with_waitlist_positions(list(sel.registrations_for_user(user=request.user)))
    return render(request, "centers/community/my_workshops.html", {"registrations": registrations})


@login_required
@require_POST
def registration_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Residents: give up a place or leave the waiting list."""
    registration = sel.registration_for_user(user=request.user, pk=pk)
    if registration is None:
        raise Http404
    try:
        svc.workshop_registration_cancel(registration=registration, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect("centers:my_workshops")


# --- Volunteers: their own record ---------------------------------------------------------------


@login_required
def my_duties(request: HttpRequest) -> HttpResponse:
    """Volunteers: tasks to come, tasks done, training and hours."""
    if not has_role(request.user, Role.VOLUNTEER):
        raise Http404
    return render(request, "centers/community/my_duties.html", sel.volunteer_duty_record(user=request.user))


# --- Staff: workshops -------------------------------------------------------------------------


@login_required
def staff_workshop_list(request: HttpRequest) -> HttpResponse:
    """Staff who run workshops: upcoming and past ones of their stations."""
    _require_scope(workshop_scope(request.user))
    return render(
        request,
        "centers/community/staff_workshop_list.html",
        {
            "upcoming": sel.workshops_for_staff(user=request.user),
            "past": sel.workshops_for_staff(user=request.user, past=True)[:30],
        },
    )


@login_required
def staff_workshop_create(request: HttpRequest) -> HttpResponse:
    """Staff: announce a workshop or lecture at a station they run (or the center)."""
    scope = _require_scope(workshop_scope(request.user))
    form = WorkshopForm(request.POST or None, stations=_stations(scope), allow_center=_allow_center(scope))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workshop = svc.workshop_create(
                actor=request.user,
                center=_center_for(scope, data["station"]),
                station=data["station"],
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                place=data["place"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Workshop announced; residents can register now."))
            return redirect("centers:staff_workshop_detail", pk=workshop.pk)
    return render(request, "centers/community/staff_form.html", {"form": form, "title": _("New workshop")})


def _staff_workshop(request: HttpRequest, pk: int):
    workshop = sel.workshop_for_staff(user=request.user, pk=pk)
    if workshop is None:
        raise Http404
    return workshop


@login_required
def staff_workshop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: who registered, the waiting list, volunteers on duty, places."""
    workshop = _staff_workshop(request, pk)
    registrations = list(sel.workshop_registrations(workshop=workshop))
    audit_record(actor=request.user, action="workshop.registrations_view", obj=workshop)
    volunteers = sel.volunteers_for_staff(user=request.user).filter(center_id=workshop.center_id)
    return render(
        request,
        "centers/community/staff_workshop_detail.html",
        {
            "workshop": workshop,
            "confirmed": [r for r in registrations if r.status == RegistrationStatus.CONFIRMED],
            "waitlisted": [r for r in registrations if r.status == RegistrationStatus.WAITLISTED],
            "duties": sel.workshop_duties(workshop=workshop),
            "capacity_form": CapacityForm(initial={"capacity": workshop.capacity}),
            "register_form": StaffRegisterForm(),
            "duty_form": DutyAssignForm(
                volunteers=User.objects.filter(pk__in=volunteers.values("user_id")).order_by("display_name")
            ),
        },
    )


@login_required
@require_POST
def staff_workshop_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: change the number of places; extra places go to the waiting list first."""
    workshop = _staff_workshop(request, pk)
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            svc.workshop_capacity_change(actor=request.user, workshop=workshop, capacity=form.cleaned_data["capacity"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Places updated."))
    else:
        messages.error(request, _("Enter a number of places between 1 and 500."))
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
@require_POST
def staff_workshop_register(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: register a resident who phoned or walked in, found by mobile number."""
    workshop = _staff_workshop(request, pk)
    form = StaffRegisterForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["phone"]))
        return redirect("centers:staff_workshop_detail", pk=pk)
    resident = sel.resident_by_phone_for_workshop(workshop=workshop, phone=form.cleaned_data["phone"])
    if resident is None:
        messages.error(request, _("No resident of this center has that mobile number. Register them first."))
        return redirect("centers:staff_workshop_detail", pk=pk)
    try:
        registration = svc.workshop_register(workshop=workshop, resident=resident, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.") % {"name": resident.full_name, "status": registration.get_status_display()},
        )
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
@require_POST
def staff_registration_cancel(request: HttpRequest, pk: int, registration_pk: int) -> HttpResponse:
    """Staff: cancel a registration for a resident who called to say they cannot come."""
    workshop = _staff_workshop(request, pk)
    registration = sel.workshop_registrations(workshop=workshop).filter(pk=registration_pk).first()
    if registration is None:
        raise Http404
    try:
        svc.workshop_registration_cancel(registration=registration, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Registration of %(name)s cancelled.") % {"name": registration.resident.full_name})
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
@require_POST
def staff_workshop_duty(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: give a volunteer a duty at the workshop (only if their training is current)."""
    workshop = _staff_workshop(request, pk)
    volunteers = sel.volunteers_for_staff(user=request.user).filter(center_id=workshop.center_id)
    form = DutyAssignForm(request.POST, volunteers=User.objects.filter(pk__in=volunteers.values("user_id")))
    if form.is_valid():
        try:
            svc.workshop_duty_assign(actor=request.user, workshop=workshop, volunteer=form.cleaned_data["volunteer"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        except PermissionDenied:
            messages.error(request, _("You do not manage this volunteer."))
        else:
            messages.success(request, _("Duty assigned."))
    else:
        messages.error(request, _("Choose a volunteer."))
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
@require_POST
def staff_workshop_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: call off a workshop; everyone registered is told."""
    workshop = _staff_workshop(request, pk)
    try:
        svc.workshop_cancel(actor=request.user, workshop=workshop)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Workshop cancelled; everyone registered is being told by SMS."))
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
def staff_workshop_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff: tick who came once the workshop has started; attendance counts as person-times served."""
    workshop = _staff_workshop(request, pk)
    registrations = [
        r for r in sel.workshop_registrations(workshop=workshop) if r.status == RegistrationStatus.CONFIRMED
    ]
    duties = list(sel.workshop_duties(workshop=workshop))
    initial = {
        "attended": [r.pk for r in registrations if r.attendance == "attended"],
        "duties_done": [d.pk for d in duties if d.status == "done"],
    }
    form = AttendanceForm(request.POST or None, registrations=registrations, duties=duties, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.workshop_attendance_record(
                actor=request.user,
                workshop=workshop,
                attended_ids=form.cleaned_data["attended"],
                duty_done_ids=form.cleaned_data["duties_done"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Attendance saved: %(count)s attended.") % {"count": len(form.cleaned_data["attended"])},
            )
            return redirect("centers:staff_workshop_detail", pk=pk)
    else:
        audit_record(actor=request.user, action="workshop.registrations_view", obj=workshop)
    return render(
        request,
        "centers/community/staff_workshop_attendance.html",
        {"workshop": workshop, "form": form, "registrations": registrations, "duties": duties},
    )


# --- Staff: volunteers ----------------------------------------------------------------------------


@login_required
def volunteer_list(request: HttpRequest) -> HttpResponse:
    """Supervisors and station managers: volunteers, and whether their training is current."""
    _require_scope(volunteer_scope(request.user))
    return render(
        request,
        "centers/community/volunteer_list.html",
        {"volunteers": sel.volunteers_for_staff(user=request.user), "today": timezone.localdate()},
    )


@login_required
def volunteer_register(request: HttpRequest) -> HttpResponse:
    """Supervisors and station managers: register a volunteer (they set a password with "Forgot password")."""
    scope = _require_scope(volunteer_scope(request.user))
    form = VolunteerForm(request.POST or None, stations=_stations(scope), allow_center=_allow_center(scope))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = svc.volunteer_register(
                actor=request.user,
                center=_center_for(scope, data["station"]),
                station=data["station"],
                display_name=data["display_name"],
                email=data["email"],
                phone=data["phone"],
                last_name=data["last_name"],
                first_name=data["first_name"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            membership = user.memberships.get(role=Role.VOLUNTEER)
            messages.success(request, _("Volunteer registered. Record their training before giving them tasks."))
            return redirect("centers:volunteer_detail", pk=membership.pk)
    return render(request, "centers/community/staff_form.html", {"form": form, "title": _("Register a volunteer")})


def _volunteer(request: HttpRequest, pk: int):
    membership = sel.volunteer_for_staff(user=request.user, pk=pk)
    if membership is None:
        raise Http404
    return membership


def _volunteer_page(request: HttpRequest, membership, *, training_form=None, task_form=None, status=200):
    scope = volunteer_scope(request.user)
    audit_record(actor=request.user, action="volunteer.view", obj=membership, detail={"user": membership.user_id})
    return render(
        request,
        "centers/community/volunteer_detail.html",
        {
            "membership": membership,
            "volunteer": membership.user,
            "cleared": volunteer_is_cleared(membership.user, center=membership.center),
            "records": sel.training_records_for(membership=membership),
            "tasks": sel.volunteer_tasks_for(membership=membership),
            "hours": sel.volunteer_hours(volunteer=membership.user),
            "training_form": training_form or TrainingRecordForm(),
            "task_form": task_form
            or VolunteerTaskForm(
                stations=_stations(scope),
                allow_center=_allow_center(scope),
                initial={"station": membership.station_id},
            ),
        },
        status=status,
    )


@login_required
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Supervisors and station managers: one volunteer's training, tasks and hours."""
    return _volunteer_page(request, _volunteer(request, pk))


@login_required
@require_POST
def volunteer_training_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a completed course (a renewal clears the volunteer again)."""
    membership = _volunteer(request, pk)
    form = TrainingRecordForm(request.POST)
    if form.is_valid():
        try:
            svc.training_record_add(
                actor=request.user, center=membership.center, user=membership.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Training recorded."))
            return redirect("centers:volunteer_detail", pk=pk)
    return _volunteer_page(request, membership, training_form=form, status=400)


@login_required
@require_POST
def volunteer_task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a volunteer a task; refused while their training is not current."""
    membership = _volunteer(request, pk)
    scope = volunteer_scope(request.user)
    form = VolunteerTaskForm(request.POST, stations=_stations(scope), allow_center=_allow_center(scope))
    if form.is_valid():
        data = form.cleaned_data
        try:
            svc.volunteer_task_assign(
                actor=request.user,
                volunteer=membership.user,
                center=membership.center,
                station=data["station"],
                kind=data["kind"],
                title=data["title"],
                due_at=data["due_at"],
                hours=data["hours"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Task assigned."))
            return redirect("centers:volunteer_detail", pk=pk)
    return _volunteer_page(request, membership, task_form=form, status=400)


def _task(request: HttpRequest, pk: int) -> VolunteerTask:
    volunteers = sel.volunteers_for_staff(user=request.user)
    task = (
        VolunteerTask.objects.filter(pk=pk)
        .filter(Q(volunteer_id__in=volunteers.values("user_id")))
        .select_related("center", "volunteer")
        .first()
    )
    if task is None:
        raise Http404
    return task


@login_required
@require_POST
def volunteer_task_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a task done: its hours count."""
    task = _task(request, pk)
    membership = sel.volunteers_for_staff(user=request.user).filter(user_id=task.volunteer_id).first()
    try:
        svc.volunteer_task_complete(actor=request.user, task=task)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Task marked done; its hours are counted."))
    return redirect("centers:volunteer_detail", pk=membership.pk)


@login_required
@require_POST
def volunteer_task_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw an assigned task."""
    task = _task(request, pk)
    membership = sel.volunteers_for_staff(user=request.user).filter(user_id=task.volunteer_id).first()
    try:
        svc.volunteer_task_cancel(actor=request.user, task=task)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Task withdrawn."))
    return redirect("centers:volunteer_detail", pk=membership.pk)


# --- Staff: training sessions ----------------------------------------------------------------------


@login_required
def training_list(request: HttpRequest) -> HttpResponse:
    """Supervisors and station managers: the trainings run for staff and volunteers."""
    _require_scope(volunteer_scope(request.user))
    return render(
        request,
        "centers/community/training_list.html",
        {"sessions": sel.training_sessions_for_staff(user=request.user)},
    )


@login_required
def training_create(request: HttpRequest) -> HttpResponse:
    """Schedule a training (date, topic, trainer, hours; a certificate if it gives one)."""
    scope = _require_scope(volunteer_scope(request.user))
    form = TrainingSessionForm(request.POST or None, stations=_stations(scope), allow_center=_allow_center(scope))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = svc.training_session_create(
                actor=request.user, center=_center_for(scope, data["station"]), **data
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Training scheduled."))
            return redirect("centers:training_detail", pk=session.pk)
    return render(request, "centers/community/staff_form.html", {"form": form, "title": _("New training")})


@login_required
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One training and its attendance; ticking someone gives them the training record."""
    session = sel.training_session_for_staff(user=request.user, pk=pk)
    if session is None:
        raise Http404
    candidates = sel.training_candidates(session=session)
    records = list(session.records.select_related("user").order_by("user__display_name"))
    form = TrainingAttendanceForm(
        request.POST or None, candidates=candidates, initial={"attendees": [r.user_id for r in records]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            svc.training_attendance_set(actor=request.user, session=session, attendees=form.cleaned_data["attendees"])
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Attendance saved."))
            return redirect("centers:training_detail", pk=pk)
    return render(
        request,
        "centers/community/training_detail.html",
        {"session": session, "form": form, "records": records, "started": session.starts_at <= timezone.now()},
    )


# --- Staff: service groups --------------------------------------------------------------------------


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    """Supervisors (all), station managers and counselors (their station's): the service groups."""
    scope = _require_scope(group_scope(request.user))
    return render(
        request,
        "centers/community/group_list.html",
        {
            "groups": sel.groups_for_staff(user=request.user),
            "dissolved": sel.groups_for_staff(user=request.user, active=False)[:20],
            "can_create": bool(scope.center_ids),
        },
    )


@login_required
def group_create(request: HttpRequest) -> HttpResponse:
    """Supervisors: form a group for a station and a need."""
    scope = group_scope(request.user)
    if not scope.center_ids:
        raise Http404
    center = _center_for(CommunityScope(center_ids=scope.center_ids), None)
    form = ServiceGroupForm(
        request.POST or None,
        stations=Station.objects.filter(center=center, is_active=True),
        candidates=sel.group_member_candidates(center=center),
    )
    if request.method == "POST" and form.is_valid():
        try:
            group = svc.service_group_create(actor=request.user, center=center, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Service group formed."))
            return redirect("centers:group_detail", pk=group.pk)
    return render(request, "centers/community/staff_form.html", {"form": form, "title": _("New service group")})


def _group(request: HttpRequest, pk: int):
    group = sel.group_for_staff(user=request.user, pk=pk)
    if group is None:
        raise Http404
    return group


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The group's members, caseload and what is due."""
    group = _group(request, pk)
    manage = can_manage_groups(request.user, group.center_id) and group.is_active
    members_form = (
        GroupMembersForm(
            candidates=sel.group_member_candidates(center=group.center), initial={"members": group.members.all()}
        )
        if manage
        else None
    )
    audit_record(actor=request.user, action="service_group.view", obj=group)
    return render(
        request,
        "centers/community/group_detail.html",
        {"group": group, "open_work": sel.group_open_work(group=group), "manage": manage, "members_form": members_form},
    )


@login_required
@require_POST
def group_members(request: HttpRequest, pk: int) -> HttpResponse:
    """Supervisors: change who is in the group."""
    group = _group(request, pk)
    if not can_manage_groups(request.user, group.center_id):
        raise Http404
    form = GroupMembersForm(request.POST, candidates=sel.group_member_candidates(center=group.center))
    if form.is_valid():
        try:
            svc.service_group_members_set(actor=request.user, group=group, members=form.cleaned_data["members"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Members updated."))
    else:
        messages.error(request, _("Choose counselors and volunteers of this center."))
    return redirect("centers:group_detail", pk=pk)


@login_required
@require_POST
def group_dissolve(request: HttpRequest, pk: int) -> HttpResponse:
    """Supervisors: dissolve a group once its open work has been handed over."""
    group = _group(request, pk)
    if not can_manage_groups(request.user, group.center_id):
        raise Http404
    try:
        svc.service_group_dissolve(actor=request.user, group=group)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("centers:group_detail", pk=pk)
    messages.success(request, _("The group is dissolved."))
    return redirect("centers:group_list")
