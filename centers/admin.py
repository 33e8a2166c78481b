"""Django admin, for the deployment's system and security administrators (centers.accounts.models).

Each page names the duties that may use it (`duties`); the clinical and personal records (residents, consents,
cases, appointments, community work) and the audit log are not among them: those are read through the portal's
own pages, which apply the role rules and audit every read. A superuser passes only outside production (on a
laptop); `check --deploy` refuses superusers in production. Every page opened and every row changed here is an
audit row."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from centers.accounts.administrators import separation_problem
from centers.accounts.security import sign_in_unlock
from centers.audit.log import audit_record
from centers.audit.models import AuditEvent
from centers.models import (
    Administrator,
    AdministratorKind,
    Center,
    DutyShift,
    Membership,
    PartnerInstitution,
    Resident,
    Role,
    Room,
    ServiceGroup,
    Station,
    User,
)
from centers.policies import administrator_kind, auditor_role_problem, center_ids_for, uses_admin_site
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
# Not Django's is_staff flag: the system and security administrators (and a superuser on a laptop).
admin.site.has_permission = lambda request: uses_admin_site(request.user)  # type: ignore[method-assign]


def _sign_in_through_allauth(login_view):
    """The admin's sign-in page is allauth's (its rate limits and second factor apply); a signed-in person
    without an administrator duty is refused (403) rather than shown a second sign-in form."""

    @wraps(login_view)
    def view(request, *args, **kwargs):
        if not request.user.is_authenticated:
            target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
            return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}")
        if not uses_admin_site(request.user):
            raise PermissionDenied
        return login_view(request, *args, **kwargs)

    return view


admin.site.login = _sign_in_through_allauth(admin.site.login)  # type: ignore[method-assign]

SYSTEM, SECURITY = AdministratorKind.SYSTEM.value, AdministratorKind.SECURITY.value
KEEP = frozenset({"view", "add", "change"})  # records are deactivated, never deleted here
LOOK = frozenset({"view"})


def _development_superuser(request) -> bool:
    return bool(request.user.is_superuser and not settings.PRODUCTION)


class DutyPermissionMixin:
    """The acts each administrator duty may do on this page: {duty: {"view", "add", "change", "delete"}}.
    No entry: nobody but a superuser on a laptop (who gets Django's own answer)."""

    duties: dict[str, frozenset[str]] = {}

    def _duty_allows(self, request, act: str) -> bool | None:
        if _development_superuser(request):
            return None
        acts = self.duties.get(administrator_kind(request.user) or "", frozenset())
        return act in acts or (act == "view" and "change" in acts)

    def has_module_permission(self, request):
        allowed = self._duty_allows(request, "view")
        return super().has_module_permission(request) if allowed is None else allowed

    def has_view_permission(self, request, obj=None):
        allowed = self._duty_allows(request, "view")
        return super().has_view_permission(request, obj) if allowed is None else allowed

    def has_add_permission(self, request, *args):
        allowed = self._duty_allows(request, "add")
        return super().has_add_permission(request, *args) if allowed is None else allowed

    def has_change_permission(self, request, obj=None):
        allowed = self._duty_allows(request, "change")
        return super().has_change_permission(request, obj) if allowed is None else allowed

    def has_delete_permission(self, request, obj=None):
        allowed = self._duty_allows(request, "delete")
        return super().has_delete_permission(request, obj) if allowed is None else allowed


def _sees_every_center(request) -> bool:
    """A superuser (on a laptop) and the deployment's administrators see every center's rows."""
    return bool(request.user.is_superuser or administrator_kind(request.user))


class NotFoundOutsideScopeMixin(DutyPermissionMixin):
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
        if _sees_every_center(request):
            return qs
        return qs.filter(**{f"{self.center_field}__in": center_ids_for(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if not _sees_every_center(request) and db_field.related_model in (Center, Station):
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
    """Accounts: the system administrator keeps them; the security administrator looks them up to lift a
    sign-in pause or take away a lost phone's second factor (the two actions below)."""

    duties = {SYSTEM: KEEP, SECURITY: LOOK}
    list_display = ("username", "display_name", "email", "is_active")
    search_fields = ("username", "display_name", "email")
    actions = ("unlock_sign_in", "remove_second_factors")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Portal"), {"fields": ("display_name", "phone", "phone_verified", "is_active")}),
    )
    # The superuser and staff flags and Django's permission tables are not used by the portal's administrators:
    # a duty is an Administrator row, kept apart (centers.accounts.models).
    superuser_fieldsets = (
        *fieldsets,
        (_("Permissions (development only)"), {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return super().get_fieldsets(request, obj)
        return self.superuser_fieldsets if _development_superuser(request) else self.fieldsets

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not (_development_superuser(request) or administrator_kind(request.user) == SECURITY):
            actions.pop("unlock_sign_in", None)
            actions.pop("remove_second_factors", None)
        return actions

    @admin.action(description=_("Lift the sign-in pause after wrong passwords"))
    def unlock_sign_in(self, request, queryset):
        for user in queryset:
            sign_in_unlock(actor=request.user, user=user)
        messages.success(request, _("Sign-in pause lifted for %(count)s account(s).") % {"count": queryset.count()})

    @admin.action(description=_("Remove the second factor (a lost or replaced phone)"))
    def remove_second_factors(self, request, queryset):
        removed = 0
        for user in queryset:
            for authenticator in Authenticator.objects.filter(user=user):
                audit_record(actor=request.user, action="mfa.reset", obj=user, detail={"type": authenticator.type})
                authenticator.delete()
                removed += 1
        messages.success(
            request,
            _("%(count)s second factor(s) removed: the person sets up a new one at their next sign-in.")
            % {"count": removed},
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not obj.is_active:  # a deactivated account's shifts end, as with account_deactivate
            duty_shifts_end_ineligible(actor=request.user, user=obj)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if _sees_every_center(request):
            return qs
        return qs.filter(memberships__center__in=center_ids_for(request.user)).distinct()


@admin.register(Center)
class CenterAdmin(CenterScopedAdmin):
    duties = {SYSTEM: KEEP}
    center_field = "pk"
    list_display = ("name", "code", "hotline")
    raw_id_fields = ("deputy_supervisor",)


@admin.register(Station)
class StationAdmin(CenterScopedAdmin):
    duties = {SYSTEM: KEEP}
    list_display = ("name", "code", "center", "is_active")
    list_filter = ("center", "is_active")


class MembershipAdminForm(forms.ModelForm):
    """A center's auditor role is an audit duty: not for the system or security administrator."""

    class Meta:
        model = Membership
        fields = ("user", "center", "station", "role", "is_active")

    def clean(self):
        data = super().clean()
        user = data.get("user")
        if user is not None and data.get("role") == Role.AUDITOR and data.get("is_active", True):
            problem = auditor_role_problem(user)
            if problem:
                self.add_error("role", problem)
        return data


@admin.register(Membership)
class MembershipAdmin(CenterScopedAdmin):
    """Roles: the security administrator's (the supervisors give and withdraw them on the staff page too)."""

    duties = {SECURITY: KEEP}
    form = MembershipAdminForm
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
    duties = {SYSTEM: KEEP}
    list_display = ("name", "need", "station", "is_active")
    filter_horizontal = ("members",)


@admin.register(PartnerInstitution)
class PartnerInstitutionAdmin(CenterScopedAdmin):
    duties = {SYSTEM: KEEP}
    list_display = ("name", "kind", "center", "is_active")
    list_filter = ("kind",)


@admin.register(Room)
class RoomAdmin(CenterScopedAdmin):
    duties = {SYSTEM: KEEP}
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
    """Read-only, and on a laptop only: the auditors read the log through its own pages (centers:audit_log)."""

    list_display = ("at", "actor_label", "role", "action", "object_type", "object_id", "outcome")

    def has_module_permission(self, request):
        return _development_superuser(request)

    def has_view_permission(self, request, obj=None):
        return _development_superuser(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdministratorAdminForm(forms.ModelForm):
    class Meta:
        model = Administrator
        fields = ("user", "kind", "is_active")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        data = super().clean()
        user, kind = data.get("user"), data.get("kind")
        if user is None or kind is None or not data.get("is_active", True):
            return data
        if self.request is not None and user.pk == self.request.user.pk:
            self.add_error("user", _("Nobody grants an administrator duty to themselves."))
        elif problem := separation_problem(user, kind):
            self.add_error("user", problem)
        return data


@admin.register(Administrator)
class AdministratorAdmin(NotFoundOutsideScopeMixin, admin.ModelAdmin):
    """The three duties, kept by the security administrator (one duty per person; never their own row)."""

    duties = {SECURITY: KEEP}
    form = AdministratorAdminForm
    list_display = ("user", "kind", "is_active", "granted_at", "granted_by")
    list_filter = ("kind", "is_active")
    raw_id_fields = ("user",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)

        class WithRequest(form_class):  # type: ignore[valid-type,misc]
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return WithRequest

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.user_id == request.user.pk:
            return False  # one's own duty is changed by someone else
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(CenterScopedAdmin):
    center_field = "resident__center"
    list_display = ("resident", "purpose", "version", "by_guardian", "given_at", "withdrawn_at")
    list_filter = ("purpose",)
    raw_id_fields = ("resident", "given_by")
