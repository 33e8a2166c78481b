"""URLs of the officials' statistics, included from centers/urls.py under statistics/ (namespace centers)."""

from django.urls import path

from centers.reporting.statistics import views

urlpatterns = [
    path("", views.statistics_overview, name="statistics"),
    path("early-warning/", views.statistics_warning, name="statistics_warning"),
    path("export/<slug:table>.<str:fmt>", views.statistics_export, name="statistics_export"),
    path("refresh/", views.statistics_refresh, name="statistics_refresh"),
]
