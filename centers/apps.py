from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentersConfig(AppConfig):
    name = "centers"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the project's deploy checks)
