"""URLs of the community pages, included from centers/urls.py under community/ (namespace centers)."""

from django.urls import path

from . import community_views as views

urlpatterns = [
    # Residents
    path("workshops/", views.workshop_list, name="workshop_list"),
    path("workshops/<int:pk>/", views.workshop_detail, name="workshop_detail"),
    path("workshops/<int:pk>/register/", views.workshop_register, name="workshop_register"),
    path("my-workshops/", views.my_workshops, name="my_workshops"),
    path("my-workshops/<int:pk>/cancel/", views.registration_cancel, name="registration_cancel"),
    # Volunteers
    path("my-duties/", views.my_duties, name="volunteer_duty_record"),
    # Staff
    path("staff/workshops/", views.staff_workshop_list, name="staff_workshop_list"),
    path("staff/workshops/new/", views.staff_workshop_create, name="staff_workshop_create"),
    path("staff/workshops/<int:pk>/", views.staff_workshop_detail, name="staff_workshop_detail"),
    path("staff/workshops/<int:pk>/attendance/", views.staff_workshop_attendance, name="staff_workshop_attendance"),
    path("staff/workshops/<int:pk>/capacity/", views.staff_workshop_capacity, name="staff_workshop_capacity"),
    path("staff/workshops/<int:pk>/register/", views.staff_workshop_register, name="staff_workshop_register"),
    path(
        "staff/workshops/<int:pk>/registrations/<int:registration_pk>/cancel/",
        views.staff_registration_cancel,
        name="staff_registration_cancel",
    ),
    path("staff/workshops/<int:pk>/duty/", views.staff_workshop_duty, name="staff_workshop_duty"),
    path("staff/workshops/<int:pk>/cancel/", views.staff_workshop_cancel, name="staff_workshop_cancel"),
    path("staff/volunteers/", views.volunteer_list, name="volunteer_list"),
    path("staff/volunteers/new/", views.volunteer_register, name="volunteer_register"),
    path("staff/volunteers/<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("staff/volunteers/<int:pk>/training/", views.volunteer_training_add, name="volunteer_training_add"),
    path("staff/volunteers/<int:pk>/tasks/", views.volunteer_task_assign, name="volunteer_task_assign"),
    path("staff/tasks/<int:pk>/done/", views.volunteer_task_done, name="volunteer_task_done"),
    path("staff/tasks/<int:pk>/cancel/", views.volunteer_task_cancel, name="volunteer_task_cancel"),
    path("staff/training/", views.training_list, name="training_list"),
    path("staff/training/new/", views.training_create, name="training_create"),
    path("staff/training/<int:pk>/", views.training_detail, name="training_detail"),
    path("staff/groups/", views.group_list, name="group_list"),
    path("staff/groups/new/", views.group_create, name="group_create"),
    path("staff/groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("staff/groups/<int:pk>/members/", views.group_members, name="group_members"),
    path("staff/groups/<int:pk>/dissolve/", views.group_dissolve, name="group_dissolve"),
]
