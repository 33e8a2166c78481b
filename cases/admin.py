"""Admin for operators: read-only, scoped to the user's centers, and without names or clinical text.

Cases are worked through the case pages (which audit every read); the admin only lets an operator
see that alerts, notifications, follow-ups and the early-warning series are moving.
"""

from __future__ import annotations

from django.contrib import admin

from cases.alerts.models import CrisisAlert, Notification
from cases.early_warning.models import WeeklyRiskSummary
from cases.follow_ups.models import FollowUp
from cases.models import Case
from cases.referrals.models import Referral
from centers.admin import ReadOnlyScopedAdmin


@admin.register(Case)
class CaseAdmin(ReadOnlyScopedAdmin):
    list_display = ("reference", "center", "station", "tier", "stage", "crisis_phase", "opened_at", "closed_at")
    list_filter = ("tier", "stage", "crisis_phase")
    fields = ("center", "station", "channel", "tier", "stage", "crisis_phase", "opened_at", "respond_by", "closed_at")


@admin.register(CrisisAlert)
class CrisisAlertAdmin(ReadOnlyScopedAdmin):
    list_display = ("pk", "case_id", "center", "reason", "raised_at", "level", "acknowledged_at", "first_contact_at")
    list_filter = ("level", "reason")
    fields = ("center", "reason", "raised_at", "level", "escalated_at", "acknowledged_at", "first_contact_at")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyScopedAdmin):
    list_display = ("pk", "channel", "level", "alert_id", "follow_up_id", "created_at", "sent_at", "attempts")
    list_filter = ("channel", "level")
    fields = ("channel", "level", "subject", "created_at", "sent_at", "attempts")


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyScopedAdmin):
    list_display = ("pk", "case_id", "kind", "due_at", "done_at", "cancelled_at", "escalation_level")
    list_filter = ("kind", "escalation_level")
    fields = ("kind", "due_at", "done_at", "cancelled_at", "escalation_level")


@admin.register(Referral)
class ReferralAdmin(ReadOnlyScopedAdmin):
    center_field = "case__center"
    list_display = ("pk", "case_id", "partner", "basis", "status", "sent_at", "completed_at")
    list_filter = ("status", "basis")
    fields = ("partner", "basis", "status", "sent_at", "responded_at", "completed_at")


@admin.register(WeeklyRiskSummary)
class WeeklyRiskSummaryAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "station",
        "week_start",
        "active_general",
        "active_serious",
        "active_high_risk",
        "new_alerts",
        "mean_phq9",
    )
    list_filter = ("week_start",)
