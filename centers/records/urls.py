from django.urls import path

from centers.records import views as record_views

urlpatterns = [
    path("", record_views.resident_merge_find, name="resident_merge_find"),
    path("confirm/", record_views.resident_merge_confirm, name="resident_merge_confirm"),
]
