from django.urls import include, path

from centers import views
from centers.accounts import views as account_views
from centers.privacy import views as privacy_views
from centers.staff import views as staff_views

app_name = "centers"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.crisis, name="crisis"),
    path("c/<slug:code>/", views.center_home, name="center_home"),
    path("home/", views.landing, name="landing"),
    path("act-for/", views.acting_center_choose, name="acting_center_choose"),
    path("me/", views.resident_home, name="resident_home"),
    path("me/", include("centers.privacy.urls")),
    path("station/", views.station_home, name="station_home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/verify/", views.audit_verify_view, name="audit_verify"),
    path("session/state/", views.session_state, name="session_state"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/me/messages/", account_views.reachability, name="reachability"),
    path("staff/new/", staff_views.staff_create, name="staff_create"),
    path("residents/merge/", include("centers.records.urls")),
    path("staff/<int:pk>/revoke/", staff_views.staff_revoke, name="staff_revoke"),
    path("staff/<int:pk>/unlock/", staff_views.staff_unlock, name="staff_unlock"),
    path("residents/<int:resident_pk>/erase/", privacy_views.staff_erasure, name="staff_erasure"),
    path("community/", include("centers.community.urls")),
    path("evaluations/", include("centers.reporting.evaluations.urls")),  # issue 5
    path("statistics/", include("centers.reporting.statistics.urls")),  # issue 5
]
