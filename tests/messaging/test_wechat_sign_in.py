"""Sign in with WeChat (official-account web authorisation) through django-allauth's Weixin provider, against a
local server speaking WeChat's authorize redirect, sns/oauth2/access_token and sns/userinfo."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount

from centers.messaging.selectors import wechat_openid
from centers.models import Resident, User
from centers.notify import LocmemSMSBackend
from centers.privacy.services import person_anonymise
from tests.factories import UserFactory
from tests.messaging.weixin_server import MP_APP_ID, MP_SECRET, Person, WeixinServer, running_server

UNIONID = "u-lin-xiaoyu"


@pytest.fixture
def weixin(settings, db) -> Iterator[WeixinServer]:
    with running_server() as server:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "weixin": {
                "provider_class": "centers.wechat_login.provider.WeChatProvider",
                "AUTHORIZE_URL": f"{server.url}/connect/oauth2/authorize",
                "ACCESS_TOKEN_URL": f"{server.url}/sns/oauth2/access_token",
                "PROFILE_URL": f"{server.url}/sns/userinfo",
                "SCOPE": ["snsapi_userinfo"],
                "APP": {"client_id": MP_APP_ID, "secret": MP_SECRET},
            }
        }
        settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
        LocmemSMSBackend.outbox.clear()
        server.state.people["o-mp-lin"] = Person(openid="o-mp-lin", unionid=UNIONID, nickname="林小雨")
        yield server
        assert server.state.problems == []


def start(client, server: WeixinServer, *, openid: str = "o-mp-lin", process: str = "login"):
    """The person taps "sign in with WeChat" and agrees on WeChat's page; returns the site's answer to the callback."""
    answer = client.post("/accounts/weixin/login/", {"process": process})
    assert answer.status_code == 302
    authorize = answer["Location"]
    assert authorize.startswith(f"{server.url}/connect/oauth2/authorize?")
    assert authorize.endswith("#wechat_redirect")
    query = parse_qs(urlsplit(authorize.partition("#")[0]).query)
    assert query["appid"] == [MP_APP_ID]
    assert query["scope"] == ["snsapi_userinfo"]
    assert query["redirect_uri"][0].endswith("/accounts/weixin/login/callback/")
    # Consent always returns the first person the server knows; put the one wanted first.
    people = server.state.people
    people[openid] = people.pop(openid)
    server.state.people = {openid: people[openid], **{k: v for k, v in people.items() if k != openid}}
    back = urlsplit(server.consent(authorize))
    return client.get(back.path, parse_qs(back.query))


def confirm_phone(client, phone: str):
    answer = client.post("/accounts/weixin/confirm-phone/", {"action": "phone", "phone": phone})
    assert answer.status_code == 302
    [sms] = [m for m in LocmemSMSBackend.outbox if m["phone"] == phone][-1:]
    code = sms["text"].split("验证码 ")[1][:6]
    return client.post("/accounts/weixin/confirm-phone/", {"action": "code", "code": code})


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_a_resident_with_a_verified_number_confirms_it_and_wechat_is_linked_to_their_one_account(
    client, weixin, resident
):
    resident.user.phone, resident.user.phone_verified = "13812341234", True
    resident.user.save()
    accounts_before = User.objects.count()

    answer = start(client, weixin)

    assert answer.status_code == 302 and answer["Location"] == "/accounts/weixin/confirm-phone/"
    assert signed_in_user(client) is None
    answer = confirm_phone(client, "13812341234")
    assert answer.status_code == 302
    assert signed_in_user(client) == resident.user
    assert User.objects.count() == accounts_before
    [linked] = SocialAccount.objects.filter(provider="weixin")
    assert (linked.user, linked.uid) == (resident.user, UNIONID)
    assert wechat_openid(user=resident.user) == "o-mp-lin"
    # The token exchange and profile calls went as documented.
    [exchange] = weixin.sends("/sns/oauth2/access_token")
    assert exchange.method == "GET"
    assert exchange.query["grant_type"] == "authorization_code" and exchange.query["secret"] == MP_SECRET
    [profile] = weixin.sends("/sns/userinfo")
    assert profile.query["openid"] == "o-mp-lin" and profile.query["access_token"].startswith("SNS_TOKEN_")


def test_the_next_wechat_sign_in_goes_straight_in(client, weixin, resident):
    resident.user.phone, resident.user.phone_verified = "13812341234", True
    resident.user.save()
    start(client, weixin)
    confirm_phone(client, "13812341234")
    client.logout()
    LocmemSMSBackend.outbox.clear()

    answer = start(client, weixin)

    assert answer.status_code == 302 and "confirm-phone" not in answer["Location"]
    assert signed_in_user(client) == resident.user
    assert LocmemSMSBackend.outbox == []


def test_the_website_and_the_official_account_are_one_person_by_unionid(client, weixin, resident):
    resident.user.phone, resident.user.phone_verified = "13812341234", True
    resident.user.save()
    start(client, weixin)
    confirm_phone(client, "13812341234")
    client.logout()
    # The same person through another WeChat app of the same open-platform account: another openid, one unionid.
    weixin.state.people["o-web-lin"] = Person(openid="o-web-lin", unionid=UNIONID)

    start(client, weixin, openid="o-web-lin")

    assert signed_in_user(client) == resident.user
    assert SocialAccount.objects.filter(provider="weixin").count() == 1


def test_without_a_unionid_the_openid_is_the_uid_and_moves_to_the_unionid_once_one_appears(client, weixin, resident):
    resident.user.phone, resident.user.phone_verified = "13812341234", True
    resident.user.save()
    weixin.state.people["o-mp-lin"].unionid = ""
    start(client, weixin)
    confirm_phone(client, "13812341234")
    assert SocialAccount.objects.get(provider="weixin").uid == "o-mp-lin"
    client.logout()
    weixin.state.people["o-mp-lin"].unionid = UNIONID

    start(client, weixin)

    assert signed_in_user(client) == resident.user
    assert SocialAccount.objects.get(provider="weixin").uid == UNIONID


def test_a_person_new_to_the_portal_gets_one_resident_account_with_the_confirmed_number(client, weixin, station):
    start(client, weixin)
    answer = confirm_phone(client, "13912345678")
    assert answer.status_code == 200
    assert signed_in_user(client) is None

    answer = client.post(
        "/accounts/weixin/confirm-phone/", {"action": "details", "full_name": "林小雨", "station": station.pk}
    )

    assert answer.status_code == 302
    user = signed_in_user(client)
    assert user is not None
    assert (user.phone, user.phone_verified) == ("13912345678", True)
    resident = Resident.objects.get(user=user)
    assert (resident.full_name, resident.station, resident.phone) == ("林小雨", station, "13912345678")
    assert SocialAccount.objects.get(provider="weixin").user == user
    # Coming back with WeChat finds the same account.
    client.logout()
    start(client, weixin)
    assert signed_in_user(client) == user
    assert User.objects.filter(phone="13912345678").count() == 1


def test_a_second_code_to_the_same_number_waits(client, weixin, resident):
    start(client, weixin)
    client.post("/accounts/weixin/confirm-phone/", {"action": "phone", "phone": "13812341234"})
    client.post("/accounts/weixin/confirm-phone/", {"action": "restart"})

    answer = client.post("/accounts/weixin/confirm-phone/", {"action": "phone", "phone": "13812341234"})

    assert answer.status_code == 200
    assert len(LocmemSMSBackend.outbox) == 1


def test_a_wrong_code_links_nothing_and_five_wrong_codes_start_over(client, weixin, resident):
    resident.user.phone, resident.user.phone_verified = "13812341234", True
    resident.user.save()
    start(client, weixin)
    client.post("/accounts/weixin/confirm-phone/", {"action": "phone", "phone": "13812341234"})

    for _ in range(4):
        answer = client.post("/accounts/weixin/confirm-phone/", {"action": "code", "code": "000000"})
        assert answer.status_code == 200
    answer = client.post("/accounts/weixin/confirm-phone/", {"action": "code", "code": "000000"})

    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()


def test_one_code_goes_to_the_number_typed_and_the_page_asks_for_it(client, weixin, resident):
    start(client, weixin)
    answer = client.post("/accounts/weixin/confirm-phone/", {"action": "phone", "phone": "13812341234"}, follow=True)

    [sms] = LocmemSMSBackend.outbox
    assert sms["phone"] == "13812341234"
    assert "验证码" in sms["text"]
    assert answer.status_code == 200
    assert 'name="code"' in answer.content.decode()


def test_a_staff_members_number_does_not_link_wechat(client, weixin, counselor):
    counselor.phone, counselor.phone_verified = "13700001111", True
    counselor.save()
    start(client, weixin)

    answer = confirm_phone(client, "13700001111")

    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()


def test_a_signed_in_resident_links_wechat_only_after_confirming_their_number(client, weixin, resident):
    user = resident.user
    user.phone, user.phone_verified = "13812341234", False
    user.save()
    client.force_login(user)

    answer = start(client, weixin, process="connect")

    assert answer.status_code == 302 and answer["Location"] == "/accounts/phone/change/"
    assert not SocialAccount.objects.exists()
    User.objects.filter(pk=user.pk).update(phone_verified=True)

    start(client, weixin, process="connect")

    assert SocialAccount.objects.get(provider="weixin").user == user


def test_a_refused_code_exchange_shows_the_sign_in_error_page(client, weixin):
    answer = client.post("/accounts/weixin/login/", {"process": "login"})
    state = parse_qs(urlsplit(answer["Location"].partition("#")[0]).query)["state"][0]

    answer = client.get("/accounts/weixin/login/callback/", {"code": "CODE_USED_ELSEWHERE", "state": state})

    assert answer.status_code == 401  # allauth's "sign-in failed" page
    [exchange] = weixin.sends("/sns/oauth2/access_token")
    assert exchange.query["code"] == "CODE_USED_ELSEWHERE"
    assert weixin.sends("/sns/userinfo") == []
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()


def test_a_user_without_wechat_has_no_openid(weixin):
    assert wechat_openid(user=UserFactory()) == ""


@pytest.mark.django_db
def test_without_the_official_accounts_keys_there_is_no_wechat_button_and_its_pages_are_not_found(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "weixin": {k: v for k, v in settings.SOCIALACCOUNT_PROVIDERS["weixin"].items() if k != "APP"}
    }

    assert "/accounts/weixin/login/" not in client.get("/accounts/login/").content.decode()
    assert client.post("/accounts/weixin/login/", {"process": "login"}).status_code == 404


def test_the_sign_in_page_offers_wechat_once_it_is_set_up(client, weixin):
    page = client.get("/accounts/login/").content.decode()

    assert 'href="/accounts/weixin/login/?process=login"' in page
    assert ">微信<" in page.replace(" ", "").replace("\n", "")


def test_erasing_oneself_removes_the_wechat_link_and_wechat_no_longer_signs_in(client, weixin, resident):
    resident.user.phone, resident.user.phone_verified = "13812341234", True
    resident.user.save()
    start(client, weixin)
    confirm_phone(client, "13812341234")
    assert SocialAccount.objects.filter(user=resident.user).exists()
    client.logout()

    person_anonymise(resident=resident, actor=resident.user)

    assert not SocialAccount.objects.exists()
    answer = start(client, weixin)
    assert answer.status_code == 302 and answer["Location"] == "/accounts/weixin/confirm-phone/"
    assert signed_in_user(client) is None
