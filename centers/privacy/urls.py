"""A resident's consents and their data: included from centers/urls.py under me/ (namespace centers)."""

from django.urls import path

from centers.privacy import views as privacy_views

urlpatterns = [
    path("consent/", privacy_views.consent_list, name="consent_list"),
    path("consent/<int:resident_pk>/<slug:purpose>/give/", privacy_views.consent_give_view, name="consent_give"),
    path(
        "consent/<int:resident_pk>/<slug:purpose>/withdraw/",
        privacy_views.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("data/", privacy_views.my_data, name="my_data"),
    path("data/viewers/", privacy_views.record_viewers_view, name="record_viewers"),
    path("data/download/", privacy_views.my_data_download, name="my_data_download"),
    path("data/<int:resident_pk>/download/", privacy_views.ward_data_download, name="ward_data_download"),
    path("erase/", privacy_views.erase_me, name="erase_me"),
]
