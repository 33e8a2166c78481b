from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from centers import hooks

        from . import hooks as providers

        hooks.register("station_figures", providers.station_figures)
        hooks.register("person_export", providers.person_export)
        hooks.register("person_anonymise", providers.person_anonymise)
        from . import official_figures  # officials' statistics (issue 5)

        hooks.register("monthly_person_times", official_figures.monthly_person_times)
        hooks.register("monthly_residents_served", official_figures.monthly_residents_served)
