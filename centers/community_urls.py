"""URLs of the community pages, included from centers/urls.py under community/ (namespace centers)."""

urlpatterns: list = []
