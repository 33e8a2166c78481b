"""The retention page and legal holds; included from fucheng/urls.py under retention/ (namespace retention)."""

from django.urls import path

from centers.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.retention_page, name="page"),
    path("holds/", views.hold_place_view, name="hold_place"),
    path("holds/<int:pk>/release/", views.hold_release_view, name="hold_release"),
]
