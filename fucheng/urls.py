"""Root URLs: each app under its own namespace."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from centers import views as center_views

admin.autodiscover()
# The admin signs in through allauth, so its rate limits and second factor apply there too (centers.admin).

urlpatterns = [
    path("healthz", center_views.healthz, name="healthz"),
    path("favicon.ico", center_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("appointments/", include("appointments.urls")),
    path("cases/", include("cases.urls")),
    path("consult/", include("cases.consult.urls")),
    path("retention/", include("centers.retention.urls")),
    path("messages/", include("centers.messaging.urls")),
    path("", include("centers.urls")),
]

# --- Scale (issue 7): the benchmark's baseline view, never routed unless FUCHENG_BENCH=1 -------------
if settings.FUCHENG_BENCH:
    from fucheng import bench_views

    urlpatterns.insert(0, path("bench/baseline/<int:pk>/", bench_views.baseline, name="bench_baseline"))

# Error pages in the visitor's language with the hotlines; the 500 page renders with the database down.
handler400 = "fucheng.errors.bad_request"
handler403 = "fucheng.errors.permission_denied"
handler404 = "fucheng.errors.page_not_found"
handler500 = "fucheng.errors.server_error"
handler429 = "fucheng.errors.too_many_requests"  # allauth's rate limits look it up here
