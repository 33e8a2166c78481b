"""Sign-up as strangers do it: several new people, one after another, through the real form; a mobile
number is theirs only once they type the code sent to it, and the form never tells who is registered."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from centers.models import Resident, User
from centers.notify import LocmemSMSBackend

pytestmark = pytest.mark.django_db

PASSWORD = "quiet-river-2026-lantern"


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


def sign_up(station, *, full_name: str, email: str = "", phone: str = "", client: Client | None = None):
    """A new browser session fills in the sign-up form; returns the client and the page it lands on.
    Codes to one number are rate-limited (one per 30 s or so); these people come minutes apart."""
    cache.clear()
    client = client or Client()
    data = {"full_name": full_name, "station": station.pk, "password1": PASSWORD, "password2": PASSWORD}
    if email:
        data["email"] = email
    if phone:
        data["phone"] = phone
    return client, client.post(reverse("account_signup"), data, follow=True)


def main_of(response, typed: str) -> str:
    """The page's main part with what the person typed and the form's token blanked out."""
    html = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0].replace(typed, "TYPED")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def code_sent_to(outbox, phone: str) -> str:
    texts = [m["text"] for m in outbox if m["phone"] == phone]
    assert texts, f"no SMS to {phone}"
    found = re.search(r"验证码 (\d{6})", texts[-1])
    assert found, texts[-1]
    return found.group(1)


def confirm_link_in(message) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", message.body)
    assert found, message.body
    return found.group(1)


def reach_my_page(client, outbox, *, phone: str = "", email: str = ""):
    """Finish the sign-up the way the person would: type the SMS code, or follow the emailed link."""
    if phone:
        response = client.post(reverse("account_verify_phone"), {"code": code_sent_to(outbox, phone)}, follow=True)
        assert response.status_code == 200
    if email:
        message = [m for m in mail.outbox if m.to == [email]][-1]
        # A neutral sender by name, in the subject and the greeting (not the server's host name).
        assert message.subject == "【阜城社区服务】请确认您的电子邮箱地址" and message.body.startswith(
            "您好，这里是阜城社区服务。"
        )
        link = confirm_link_in(message)
        client.get(link)
        response = client.post(link, follow=True)
        assert response.status_code == 200
    return client.get(reverse("centers:resident_home"))


def test_five_strangers_sign_up_one_after_another_and_each_reaches_their_page(station, sms_outbox):
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
        home = reach_my_page(client, sms_outbox, phone=phone, email=email)
        assert home.status_code == 200, full_name
        assert full_name in home.content.decode()

    assert Resident.objects.filter(station=station).count() == 5
    usernames = list(User.objects.values_list("username", flat=True))
    assert len(usernames) == 5 and all(usernames) and len(set(usernames)) == 5
    assert set(User.objects.exclude(phone="").values_list("phone_verified", flat=True)) == {True}


def test_a_mobile_number_is_not_theirs_until_the_code_is_typed(station, sms_outbox):
    client, response = sign_up(station, full_name="陈静", phone="13912340001")
    assert response.redirect_chain[-1][0] == reverse("account_verify_phone")
    assert "13912340001" in sms_outbox[0]["text"] or "验证码" in sms_outbox[0]["text"]
    person = Resident.objects.get(full_name="陈静")
    assert person.phone == "" and person.user.phone_verified is False  # no message goes to it yet
    assert client.get(reverse("centers:resident_home")).status_code == 302  # not signed in

    wrong = client.post(reverse("account_verify_phone"), {"code": "ZZZZZZ"})
    assert wrong.status_code == 200 and not Resident.objects.get(pk=person.pk).phone

    home = reach_my_page(client, sms_outbox, phone="13912340001")
    assert home.status_code == 200 and "139****0001" in home.content.decode()
    assert Resident.objects.get(pk=person.pk).phone == "13912340001"


def test_the_code_message_carries_the_persons_own_center_signature(station, other_center, sms_outbox):
    from tests.factories import StationFactory

    station.center.sms_signature = "东城心理"
    station.center.save()
    other_center.sms_signature = "西城心理"
    other_center.save()
    far = StationFactory(center=other_center, name="西城一站")
    sign_up(station, full_name="陈静", phone="13912340001")
    sign_up(far, full_name="赵磊", phone="13912340002")
    assert sms_outbox[0]["text"].startswith("【东城心理】验证码")
    assert sms_outbox[1]["text"].startswith("【西城心理】验证码")


def test_sign_up_with_a_registered_number_looks_the_same_and_tells_the_owner(station, sms_outbox):
    first, _ = sign_up(station, full_name="陈静", phone="13912340001")
    reach_my_page(first, sms_outbox, phone="13912340001")
    sms_outbox.clear()

    _, fresh = sign_up(station, full_name="赵磊", phone="13912340002")
    _, taken = sign_up(station, full_name="冒名者", phone="13912340001")

    assert fresh.redirect_chain == taken.redirect_chain == [(reverse("account_verify_phone"), 302)]
    assert main_of(fresh, "13912340002") == main_of(taken, "13912340001")
    to_owner = [m["text"] for m in sms_outbox if m["phone"] == "13912340001"]
    assert len(to_owner) == 1 and "已有账号" in to_owner[0] and "验证码" not in to_owner[0]
    assert not Resident.objects.filter(full_name="冒名者").exists()
    assert User.objects.filter(phone="13912340001").count() == 1


def test_sign_up_with_a_registered_email_looks_the_same_and_tells_the_owner(station, sms_outbox):
    first, _ = sign_up(station, full_name="林小雨", email="lin.xiaoyu@example.cn")
    reach_my_page(first, sms_outbox, email="lin.xiaoyu@example.cn")
    mail.outbox.clear()

    _, fresh = sign_up(station, full_name="王建国", email="wang.jianguo@example.cn")
    _, taken = sign_up(station, full_name="冒名者", email="lin.xiaoyu@example.cn")

    assert fresh.redirect_chain == taken.redirect_chain
    assert main_of(fresh, "wang.jianguo@example.cn") == main_of(taken, "lin.xiaoyu@example.cn")
    to_owner = [m for m in mail.outbox if m.to == ["lin.xiaoyu@example.cn"]]
    assert len(to_owner) == 1 and "/accounts/confirm-email/" not in to_owner[0].body
    assert not Resident.objects.filter(full_name="冒名者").exists()


def test_a_number_typed_but_never_confirmed_does_not_block_its_owner(station, sms_outbox):
    squatter, _ = sign_up(station, full_name="冒名者", phone="13912340009")  # never types the code
    owner, response = sign_up(station, full_name="陈静", phone="13912340009")
    assert response.redirect_chain[-1][0] == reverse("account_verify_phone")
    home = reach_my_page(owner, sms_outbox, phone="13912340009")
    assert "陈静" in home.content.decode()
    assert User.objects.get(phone="13912340009").resident.full_name == "陈静"
    assert Resident.objects.get(full_name="冒名者").phone == ""


def test_an_unverified_number_signs_nobody_in_a_verified_one_does(station, sms_outbox):
    sign_up(station, full_name="陈静", phone="13912340001")  # leaves before typing the code
    first, _ = sign_up(station, full_name="赵磊", phone="13912340002")
    reach_my_page(first, sms_outbox, phone="13912340002")

    refused = Client()
    response = refused.post(reverse("account_login"), {"login": "13912340001", "password": PASSWORD})
    assert response.status_code == 200 and refused.get(reverse("centers:resident_home")).status_code == 302
    admitted = Client()
    admitted.post(reverse("account_login"), {"login": "13912340002", "password": PASSWORD})
    assert "赵磊" in admitted.get(reverse("centers:resident_home")).content.decode()


def test_the_code_page_tells_the_demo_user_where_the_code_appears(station, settings):
    settings.SMS_BACKEND = "centers.notify.ConsoleSMSBackend"
    _, response = sign_up(station, full_name="陈静", phone="13912340001")
    assert "验证码和确认链接会写入网站服务的日志 var/log/web.log" in response.content.decode()


def test_with_two_centers_each_station_on_the_sign_up_form_says_whose_it_is(client, station, other_center_station):
    page = client.get(reverse("account_signup")).content.decode()
    assert f"{station.name}（{station.center.name}）" in page
    assert f"{other_center_station.name}（{other_center_station.center.name}）" in page
