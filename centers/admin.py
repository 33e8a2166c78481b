"""Django admin, scoped by the same rules as the pages: a user sees only their centers' rows."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from centers.audit.log import audit_record
from centers.audit.models import AuditEvent
from centers.models import (
    Center,
    DutyShift,
    Membership,
    PartnerInstitution,
    Resident,
    Room,
    ServiceGroup,
    Station,
    User,
)
from centers.policies import center_ids_for
from centers.privacy.models import ConsentRecord
from centers.roster.services import shift_check_reachable
from centers.selectors import may_take_shift
from centers.services import duty_shifts_end_ineligible

# allauth's social-account admin would show every linked WeChat account, unscoped, to any admin user: not here.
# A resident's WeChat link is theirs to remove (allauth's "connections" page); the app keys live in settings.
for _social_model in ("SocialApp", "SocialAccount", "SocialToken"):
    _model = apps.get_model("socialaccount", _social_model)
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

admin.site.site_header = _("Fucheng portal administration")
admin.site.site_title = _("Fucheng administration")


class NotFoundOutsideScopeMixin:
    """A row outside the user's queryset is a plain 404, as on the portal's own pages
    (Django's admin would redirect to its index with a "does not exist" message instead);
    every row opened, added, changed or deleted through the admin is an audit row.
    """

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        audit_record(actor=request.user, action="admin.view", obj=obj)
        return obj

    def changelist_view(self, request, extra_context=None):
        audit_record(actor=request.user, action="admin.list", object_type=self.model._meta.label_lower)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="admin.change" if change else "admin.add",
            obj=obj,
            detail={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request, obj):
        audit_record(actor=request.user, action="admin.delete", obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit_record(actor=request.user, action="admin.delete", obj=obj)
        super().delete_queryset(request, queryset)


class CenterScopedAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """Superusers see everything; other admin users only rows of centers they belong to."""

    center_field = "center"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.center_field}__in": center_ids_for(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if not request.user.is_superuser and db_field.related_model in (Center, Station):
            key = "pk__in" if db_field.related_model is Center else "center__in"
            field.queryset = field.queryset.filter(**{key: center_ids_for(request.user)})
        return field


class ReadOnlyScopedAdmin(CenterScopedAdmin):
    """For rows that change only through the services (which keep the rules and write the audit rows)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(NotFoundOutsideScopeMixin, DjangoUserAdmin):
    list_display = ("username", "display_name", "email", "is_active", "is_staff")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Portal"), {"fields": ("display_name", "phone", "phone_verified")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_active:  # a deactivated account's shifts end, as with account_deactivate
            duty_shifts_end_ineligible(actor=request.user, user=obj)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(memberships__center__in=center_ids_for(request.user)).distinct()


@admin.register(Center)
class CenterAdmin(CenterScopedAdmin):
    center_field = "pk"
    list_display = ("name", "code", "hotline")
    raw_id_fields = ("deputy_supervisor",)


@admin.register(Station)
class StationAdmin(CenterScopedAdmin):
    list_display = ("name", "code", "center", "is_active")
    list_filter = ("center", "is_active")


@admin.register(Membership)
class MembershipAdmin(CenterScopedAdmin):
    list_display = ("user", "role", "center", "station", "is_active")
    list_filter = ("role", "center", "is_active")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_active:  # a role withdrawn here ends the shifts it allowed, as on the staff page
            duty_shifts_end_ineligible(actor=request.user, user=obj.user, center=obj.center)


@admin.register(Resident)
class ResidentAdmin(CenterScopedAdmin):
    list_display = ("full_name", "masked_phone", "center", "station")
    list_filter = ("center",)
    search_fields = ("full_name",)
    raw_id_fields = ("user", "guardian", "created_by")


@admin.register(ServiceGroup)
class ServiceGroupAdmin(CenterScopedAdmin):
    list_display = ("name", "need", "station", "is_active")
    filter_horizontal = ("members",)


@admin.register(PartnerInstitution)
class PartnerInstitutionAdmin(CenterScopedAdmin):
    list_display = ("name", "kind", "center", "is_active")
    list_filter = ("kind",)


@admin.register(Room)
class RoomAdmin(CenterScopedAdmin):
    list_display = ("name", "kind", "station", "center")


class DutyShiftAdminForm(forms.ModelForm):
    """The admin keeps the on-duty rule too: nobody the rule would not count is put on a shift."""

    class Meta:
        model = DutyShift
        fields = ("center", "station", "kind", "user", "starts_at", "ends_at", "is_crisis_team")

    def clean(self):
        data = super().clean()
        user, center = data.get("user"), data.get("center")
        if (
            user
            and center
            and not may_take_shift(
                user=user, center=center, kind=data.get("kind"), is_crisis_team=bool(data.get("is_crisis_team"))
            )
        ):
            self.add_error(
                "user", _("This person may not take this duty: it needs an active account with a suitable role here.")
            )
        elif user:
            try:
                shift_check_reachable(user=user, is_crisis_team=bool(data.get("is_crisis_team")))
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(DutyShift)
class DutyShiftAdmin(CenterScopedAdmin):
    list_display = ("user", "kind", "station", "starts_at", "ends_at", "is_crisis_team")
    list_filter = ("kind", "is_crisis_team")
    raw_id_fields = ("user",)
    form = DutyShiftAdminForm


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, and only auditors read it (through its own pages)."""

    list_display = ("at", "actor_label", "role", "action", "object_type", "object_id", "outcome")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(CenterScopedAdmin):
    center_field = "resident__center"
    list_display = ("resident", "purpose", "version", "by_guardian", "given_at", "withdrawn_at")
    list_filter = ("purpose",)
    raw_id_fields = ("resident", "given_by")
