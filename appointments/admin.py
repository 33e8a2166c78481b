"""Admin for appointments, scoped to the admin user's centers. Changes of bookings go through the pages
(and their services); the admin is for looking and for fixing availability."""

from __future__ import annotations

from django.contrib import admin

from appointments.models import Appointment, Availability, AvailabilityException, Reminder, Slot, WaitlistEntry
from centers.admin import CenterScopedAdmin, ReadOnlyScopedAdmin


@admin.register(Availability)
class AvailabilityAdmin(CenterScopedAdmin):
    list_display = ("counselor", "place", "station", "weekday", "start_time", "end_time", "valid_from", "valid_until")
    list_filter = ("place", "weekday")
    raw_id_fields = ("counselor", "created_by")

    def has_add_permission(self, request):
        return False  # published through the availability page, which generates the slots

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(CenterScopedAdmin):
    list_display = ("kind", "counselor", "starts_on", "ends_on", "note")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Slot)
class SlotAdmin(ReadOnlyScopedAdmin):
    list_display = ("starts_at", "counselor", "service", "place", "station", "status")
    list_filter = ("service", "place", "status")
    date_hierarchy = "starts_at"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyScopedAdmin):
    list_display = ("starts_at", "counselor", "service", "station", "status", "channel")
    list_filter = ("status", "channel", "service")
    date_hierarchy = "starts_at"
    exclude = ("reason", "visit_address")  # personal text stays on the audited pages


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyScopedAdmin):
    center_field = "appointment__center"
    list_display = ("due_at", "kind", "channel", "status", "attempts")
    list_filter = ("status", "kind", "channel")


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ("joined_at", "service", "station", "status", "is_priority")
    list_filter = ("status", "service", "is_priority")
