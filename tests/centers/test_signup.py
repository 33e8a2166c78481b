"""Sign-up as strangers do it: several new people, one after another, through the real form."""

import pytest
from django.test import Client
from django.urls import reverse

from centers.models import Resident, User

pytestmark = pytest.mark.django_db

PASSWORD = "quiet-river-2026-lantern"


def sign_up(station, *, full_name: str, email: str = "", phone: str = ""):
    """A new browser session fills in the sign-up form; returns the response after redirects."""
    client = Client()
    data = {"full_name": full_name, "station": station.pk, "password1": PASSWORD, "password2": PASSWORD}
    if email:
        data["email"] = email
    if phone:
        data["phone"] = phone
    return client, client.post(reverse("account_signup"), data, follow=True)


def test_five_strangers_sign_up_one_after_another_and_each_reaches_their_page(station):
    people = [
        ("林小雨", "lin.xiaoyu@example.cn", ""),
        ("王建国", "wang.jianguo@example.cn", ""),
        ("陈静", "", "13912340001"),
        ("赵磊", "", "13912340002"),
        ("刘芳", "liu.fang@example.cn", "13912340003"),
    ]
    for full_name, email, phone in people:
        client, response = sign_up(station, full_name=full_name, email=email, phone=phone)
        assert response.status_code == 200, full_name
        home = client.get(reverse("centers:resident_home"))
        assert home.status_code == 200, full_name
        assert full_name in home.content.decode()

    assert Resident.objects.filter(station=station).count() == 5
    usernames = list(User.objects.values_list("username", flat=True))
    assert len(usernames) == 5 and all(usernames) and len(set(usernames)) == 5
