"""URLs of the community pages, included from centers/urls.py under community/ (namespace centers)."""

from django.urls import path

from centers.community.groups import views as groups
from centers.community.registrations import views as registrations
from centers.community.training import views as training
from centers.community.volunteers import views as volunteers
from centers.community.workshops import views as workshops

urlpatterns = [
    # Residents
    path("workshops/", workshops.workshop_list, name="workshop_list"),
    path("workshops/<int:pk>/", workshops.workshop_detail, name="workshop_detail"),
    path("workshops/<int:pk>/register/", registrations.workshop_register, name="workshop_register"),
    path("my-workshops/", registrations.my_workshops, name="my_workshops"),
    path("my-workshops/<int:pk>/cancel/", registrations.registration_cancel, name="registration_cancel"),
    # Volunteers
    path("my-duties/", volunteers.my_duties, name="volunteer_duty_record"),
    # Staff
    path("staff/workshops/", workshops.staff_workshop_list, name="staff_workshop_list"),
    path("staff/workshops/new/", workshops.staff_workshop_create, name="staff_workshop_create"),
    path("staff/workshops/<int:pk>/", workshops.staff_workshop_detail, name="staff_workshop_detail"),
    path("staff/workshops/<int:pk>/attendance/", workshops.staff_workshop_attendance, name="staff_workshop_attendance"),
    path("staff/workshops/<int:pk>/capacity/", workshops.staff_workshop_capacity, name="staff_workshop_capacity"),
    path("staff/workshops/<int:pk>/register/", registrations.staff_workshop_register, name="staff_workshop_register"),
    path(
        "staff/workshops/<int:pk>/registrations/<int:registration_pk>/cancel/",
        registrations.staff_registration_cancel,
        name="staff_registration_cancel",
    ),
    path("staff/workshops/<int:pk>/duty/", workshops.staff_workshop_duty, name="staff_workshop_duty"),
    path("staff/workshops/<int:pk>/cancel/", workshops.staff_workshop_cancel, name="staff_workshop_cancel"),
    path("staff/volunteers/", volunteers.volunteer_list, name="volunteer_list"),
    path("staff/volunteers/new/", volunteers.volunteer_register, name="volunteer_register"),
    path("staff/volunteers/<int:pk>/", volunteers.volunteer_detail, name="volunteer_detail"),
    path("staff/volunteers/<int:pk>/training/", volunteers.volunteer_training_add, name="volunteer_training_add"),
    path("staff/volunteers/<int:pk>/tasks/", volunteers.volunteer_task_assign, name="volunteer_task_assign"),
    path("staff/tasks/<int:pk>/done/", volunteers.volunteer_task_done, name="volunteer_task_done"),
    path("staff/tasks/<int:pk>/cancel/", volunteers.volunteer_task_cancel, name="volunteer_task_cancel"),
    path("staff/training/", training.training_list, name="training_list"),
    path("staff/training/new/", training.training_create, name="training_create"),
    path("staff/training/<int:pk>/", training.training_detail, name="training_detail"),
    path("staff/groups/", groups.group_list, name="group_list"),
    path("staff/groups/new/", groups.group_create, name="group_create"),
    path("staff/groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("staff/groups/<int:pk>/members/", groups.group_members, name="group_members"),
    path("staff/groups/<int:pk>/dissolve/", groups.group_dissolve, name="group_dissolve"),
]
