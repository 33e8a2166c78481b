from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("workspace/", views.workspace, name="workspace"),
    path("console/", views.console, name="console"),
    path("consultations/", views.consultations, name="consultations"),
    path("tasks/", views.volunteer_tasks, name="volunteer_tasks"),
]
