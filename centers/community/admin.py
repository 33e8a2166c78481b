"""Admin views of the community models: read-only, because every change goes through the services
(registrations, waiting list and training gate keep their rules and audit rows only there)."""

from __future__ import annotations

from django.contrib import admin

from centers.admin import ReadOnlyScopedAdmin
from centers.community.models import TrainingRecord, TrainingSession, VolunteerTask, Workshop, WorkshopRegistration


@admin.register(Workshop)
class WorkshopAdmin(ReadOnlyScopedAdmin):
    list_display = ("title", "kind", "station", "starts_at", "capacity", "is_cancelled")
    list_filter = ("kind", "is_cancelled")
    date_hierarchy = "starts_at"


@admin.register(WorkshopRegistration)
class WorkshopRegistrationAdmin(ReadOnlyScopedAdmin):
    center_field = "workshop__center"
    list_display = ("workshop", "resident", "status", "attendance", "registered_at")
    list_filter = ("status", "attendance")
    list_select_related = ("workshop", "resident")


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyScopedAdmin):
    list_display = ("topic", "trainer", "station", "starts_at", "hours", "certificate_months")


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyScopedAdmin):
    list_display = ("user", "course", "hours", "completed_on", "certificate_expires_on")
    list_select_related = ("user",)


@admin.register(VolunteerTask)
class VolunteerTaskAdmin(ReadOnlyScopedAdmin):
    list_display = ("title", "kind", "volunteer", "due_at", "hours", "status")
    list_filter = ("kind", "status")
    list_select_related = ("volunteer",)
