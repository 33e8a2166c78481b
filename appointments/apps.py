from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centers import hooks


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        # Celery tasks are registered by importing their modules; services queue them by name
        # (centers.infra.enqueue), so no service imports a tasks module.
        import_module("appointments.tasks")
        # These read models, which Django loads after importing apps.py: they are imported once ready() runs.
        from django.db.models.signals import post_delete, post_save

        from appointments import free_days, official_figures
        from appointments import hooks as providers
        from appointments import retention as retention_types
        from appointments.models import Appointment, Slot

        # A booking, a cancellation or a changed time ends the center's kept free days (free_days.py).
        for model in (Appointment, Slot):
            post_save.connect(free_days.changed, sender=model, dispatch_uid=f"free_days_save_{model.__name__}")
            post_delete.connect(free_days.changed, sender=model, dispatch_uid=f"free_days_delete_{model.__name__}")

        hooks.register("station_figures", providers.station_figures)
        hooks.register("person_export", providers.person_export)
        hooks.register("person_anonymise", providers.person_anonymise)
        hooks.register("retention_record_types", retention_types.record_types)
        hooks.register("monthly_person_times", official_figures.monthly_person_times)
        hooks.register("monthly_residents_served", official_figures.monthly_residents_served)
