from django.urls import include, path

from . import views

app_name = "centers"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.crisis, name="crisis"),
    path("home/", views.landing, name="landing"),
    path("me/", views.resident_home, name="resident_home"),
    path("station/", views.station_home, name="station_home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("audit/", views.audit_log, name="audit_log"),
    path("community/", include("centers.community_urls")),
]
