from django.conf import settings
from django.utils.translation import gettext_lazy as _

from centers.own_numbers import numbers_for_request, staff_center_choices
from centers.policies import administrator_kind, landing_url_for, roles_of


def portal(request):
    """Hotlines for the crisis strip on every page (the person's own center's 24-hour number among
    them), the center whose name the pages carry, and the signed-in person's home."""
    user = getattr(request, "user", None)
    numbers = numbers_for_request(request)
    own_line = {"number": numbers.hotline, "label": _("Our center, 24 hours")}
    context = {
        "crisis_hotlines": [*settings.CRISIS_HOTLINES[:-1], own_line],
        "center_hotline": numbers.hotline,
        "center_name": numbers.name,
        "acting_center": numbers.center,
    }
    if user is not None and user.is_authenticated:
        context["my_roles"] = roles_of(user)
        context["my_duty"] = administrator_kind(user)  # "system", "security", "audit" or None
        context["my_home_url"] = landing_url_for(user)
        choices = staff_center_choices(user)
        context["center_choices"] = choices if len(choices) > 1 else []
    return context
