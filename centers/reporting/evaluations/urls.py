"""URLs of the station evaluations, included from centers/urls.py under evaluations/ (namespace centers)."""

from django.urls import path

from centers.reporting.evaluations import views

urlpatterns = [
    # Supervisors
    path("manage/", views.evaluation_list, name="evaluation_list"),
    path("manage/open/", views.evaluation_open, name="evaluation_open"),
    path("manage/criteria/", views.evaluation_criteria, name="evaluation_criteria"),
    path("manage/<int:pk>/", views.evaluation_edit, name="evaluation_edit"),
    path("manage/<int:pk>/refresh/", views.evaluation_refresh, name="evaluation_refresh"),
    path("manage/<int:pk>/publish/", views.evaluation_publish, name="evaluation_publish"),
    # Officials (published only)
    path("", views.evaluation_ranking, name="evaluation_ranking"),
    path("ranking.<str:fmt>", views.evaluation_ranking_export, name="evaluation_ranking_export"),
    path("<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path("<int:pk>/report/", views.evaluation_report, name="evaluation_report"),
    path("<int:pk>/export.<str:fmt>", views.evaluation_detail_export, name="evaluation_detail_export"),
]
