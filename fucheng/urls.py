"""Root URLs: each app under its own namespace."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from centers import views as center_views

admin.autodiscover()
# The admin signs in through allauth, so its rate limits and second factor apply there too.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", center_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("appointments/", include("appointments.urls")),
    path("cases/", include("cases.urls")),
    path("", include("centers.urls")),
]
