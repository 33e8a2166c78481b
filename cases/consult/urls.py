"""URLs of the online conversations, mounted at /consult/ under the "consult" namespace."""

from django.urls import path

from cases.consult import views

app_name = "consult"

urlpatterns = [
    # Residents (and guardians for a child)
    path("", views.home, name="home"),
    path("consent/<int:resident_pk>/", views.consent, name="consent"),
    path("<int:pk>/", views.conversation, name="conversation"),
    path("<int:pk>/messages/", views.lines, name="lines"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/close/", views.close, name="close"),
    # Counselors on duty and supervisors
    path("staff/panel/", views.panel, name="panel"),
    path("staff/<int:pk>/", views.staff_conversation, name="staff_conversation"),
    path("staff/<int:pk>/messages/", views.staff_lines, name="staff_lines"),
    path("staff/<int:pk>/take/", views.take, name="take"),
    path("staff/<int:pk>/reply/", views.reply, name="reply"),
    path("staff/<int:pk>/hand-over/", views.handover, name="handover"),
    path("staff/<int:pk>/case/", views.open_case, name="open_case"),
    path("staff/<int:pk>/close/", views.staff_close, name="staff_close"),
    path("staff/<int:pk>/block/", views.block, name="block"),
]
