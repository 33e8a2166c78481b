from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centers import access_cache

# The domain packages keep their models beside their code; Django itself imports only centers/models.py.
DOMAIN_MODEL_MODULES = (
    "centers.audit.models",
    "centers.community.models",
    "centers.messaging.models",
    "centers.privacy.models",
    "centers.reporting.evaluations.models",
    "centers.retention.models",
    "centers.submissions.models",
    "centers.sweeps.models",
)

# Celery tasks are registered by importing their modules; services queue them by name (centers.infra.enqueue),
# so no service imports a tasks module. The community admin pages live beside their models (the admin site finds
# only centers/admin.py); the deploy checks register themselves when imported.
READY_MODULES = (
    "centers.tasks",
    "centers.community.tasks",
    "centers.reporting.statistics.tasks",
    "centers.community.admin",
    "centers.infra.checks",
    "centers.accounts.checks",
    "centers.retention.checks",
    "centers.retention.tasks",
    "centers.messaging.tasks",
)


class CentersConfig(AppConfig):
    name = "centers"
    verbose_name = _("Organisation")

    def import_models(self) -> None:
        super().import_models()
        for module in DOMAIN_MODEL_MODULES:
            import_module(module)

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which exist only once the registry is ready.
        from allauth.mfa.models import Authenticator

        from centers.accounts import security
        from centers.community import hooks as community_hooks
        from centers.reporting.statistics import providers as statistics_providers

        for module in READY_MODULES:
            import_module(module)
        community_hooks.register()
        security.connect_signals()
        access_cache.connect_signals(self.get_model("Membership"), self.get_model("Administrator"), Authenticator)
        statistics_providers.register()
