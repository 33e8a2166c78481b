from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CentersConfig(AppConfig):
    name = "centers"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the project's deploy checks)
        from .community_hooks import register as register_community_hooks

        register_community_hooks()
        from .security import connect_signals

        connect_signals()
        from .access_cache import connect_signals as connect_access_cache

        connect_access_cache()
        from .statistics_providers import register as register_statistics  # issue 5

        register_statistics()
