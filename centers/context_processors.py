from django.conf import settings

from .policies import landing_url_for, roles_of


def portal(request):
    """Hotlines for the crisis strip on every page, and the signed-in person's home."""
    user = getattr(request, "user", None)
    context = {"crisis_hotlines": settings.CRISIS_HOTLINES, "center_hotline": settings.CENTER_HOTLINE}
    if user is not None and user.is_authenticated:
        context["my_roles"] = roles_of(user)
        context["my_home_url"] = landing_url_for(user)
    return context
