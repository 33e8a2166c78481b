"""What the WeCom and WeChat official-account channels share: the access token, timeouts and error mapping.

Both platforms speak the same protocol family (Tencent's "cgi-bin" JSON API): a server-side access token fetched
with the app's credentials and passed as `?access_token=` on every call, answers carrying `errcode` / `errmsg`, and
tokens valid for `expires_in` seconds (7200) that the platform asks callers to cache rather than fetch per call.

The calls themselves go through wechatpy 1.8.18 (the maintained community SDK; neither platform publishes an
official Python one), created with `auto_retry=False` and the token handed in. Two of its defaults do not fit a
dispatcher that must never hang: its token fetch hard-codes the production host and sends no timeout, and its
automatic retry on an invalid token recurses for as long as the platform keeps refusing. So the token is fetched
here (the documented `gettoken` / `token` call, with timeouts), kept in the Django cache shared by every worker,
and refreshed exactly once when a call is refused for an invalid or expired token.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from django.conf import settings
from django.core.cache import cache
from wechatpy.exceptions import WeChatClientException

from centers.messaging.channels import ChannelError, DeliveryUncertain

# Invalid credential (40001), invalid access token (40014), expired access token (42001): fetch a new one, once.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# System busy (-1), API frequency limit (45009), minute quota (45011), concurrency limit (45033): try later.
RETRYABLE_ERRORS = frozenset({-1, 45009, 45011, 45033})
# A token is dropped this many seconds before the platform says it expires, so no call carries a dying one.
TOKEN_MARGIN_SECONDS = 300

T = TypeVar("T")


@dataclass(frozen=True)
class TokenSource:
    """How one app gets its access token: the platform's token URL and the query that proves who is asking."""

    provider: str  # "wecom" or "wechat", for error messages and the cache key
    url: str
    params: Mapping[str, str]

    @property
    def cache_key(self) -> str:
        # The secret identifies the app (a WeCom corp has one secret per app); only a digest of it is stored.
        digest = hashlib.sha256(repr(sorted(self.params.items())).encode()).hexdigest()[:16]
        return f"weixin:token:{self.provider}:{digest}"


def weixin_timeouts() -> tuple[float, float]:
    """(connect, read) timeouts in seconds, so a hung platform cannot stall the dispatcher."""
    connect = float(getattr(settings, "FUCHENG_WEIXIN_CONNECT_TIMEOUT", 3))
    read = float(getattr(settings, "FUCHENG_WEIXIN_READ_TIMEOUT", 5))
    return connect, read


def api_base(setting: str, default: str) -> str:
    """The API base URL from a setting (a local protocol server in tests), always ending in a slash."""
    value = str(getattr(settings, setting, "") or default)
    return value if value.endswith("/") else f"{value}/"


def access_token(source: TokenSource, *, refresh: bool = False) -> str:
    """The app's access token from the cache, or a new one from the platform (always a new one with refresh)."""
    if not refresh:
        cached = cache.get(source.cache_key)
        if isinstance(cached, str) and cached:
            return cached
    try:
        response = requests.get(source.url, params=dict(source.params), timeout=weixin_timeouts())
    except requests.RequestException as exc:
        # Nothing was sent yet, so even a read timeout here is safe to retry.
        raise ChannelError(f"{source.provider}: access token unavailable ({type(exc).__name__})") from exc
    if response.status_code >= 500:
        raise ChannelError(f"{source.provider}: access token unavailable (HTTP {response.status_code})")
    try:
        body = response.json()
    except ValueError as exc:
        raise ChannelError(f"{source.provider}: access token answer is not JSON") from exc
    errcode = int(body.get("errcode", 0) or 0)
    token = str(body.get("access_token", "") or "")
    if errcode or not token:
        # Wrong corpid / secret (40013, 40001, 40125) or an IP not on the allow-list (60020, 40164): configuration.
        raise ChannelError(
            f"{source.provider}: access token refused ({errcode} {body.get('errmsg', '')})".strip(),
            retryable=errcode in RETRYABLE_ERRORS,
        )
    expires_in = int(body.get("expires_in", 7200) or 7200)
    cache.set(source.cache_key, token, max(60, expires_in - TOKEN_MARGIN_SECONDS))
    return token


def call_with_token(source: TokenSource, call: Callable[[str], T], *, refused: Mapping[int, str] | None = None) -> T:
    """Run `call(token)`; when the platform refuses the token, fetch a new one and run it exactly once more.

    `call` goes through a wechatpy client; its exceptions are mapped to the channel errors the outbox knows
    (`refused` gives readable reasons for the errcodes the channel expects).
    """
    token = access_token(source)
    try:
        return call(token)
    except WeChatClientException as exc:
        if errcode_of(exc) not in TOKEN_ERRORS:
            raise channel_error(source.provider, exc, refused=refused) from exc
    except requests.RequestException as exc:
        raise network_error(source.provider, exc) from exc
    token = access_token(source, refresh=True)
    try:
        return call(token)
    except WeChatClientException as exc:
        if errcode_of(exc) in TOKEN_ERRORS:
            # A token fetched a moment ago refused as well: the app's secret is changing hands; try later.
            raise ChannelError(f"{source.provider}: {errcode_of(exc)} a new access token was refused too") from exc
        raise channel_error(source.provider, exc, refused=refused) from exc
    except requests.RequestException as exc:
        raise network_error(source.provider, exc) from exc


def errcode_of(exc: WeChatClientException) -> int | None:
    """The platform's errcode, or None when the answer was an HTTP error without one."""
    code: Any = getattr(exc, "errcode", None)
    return int(code) if code is not None else None


def channel_error(
    provider: str, exc: WeChatClientException, *, refused: Mapping[int, str] | None = None
) -> ChannelError:
    """A refusal as a ChannelError: throttling, "system busy" and HTTP 5xx are retryable, everything else is not.

    An unknown errcode is treated as not retryable: the same request would be refused again, and a crisis message
    should fall through to the person's next channel rather than wait out its retries.
    """
    code = errcode_of(exc)
    if code is None:
        response: Any = getattr(exc, "response", None)
        status = int(getattr(response, "status_code", 0) or 0)
        return ChannelError(f"{provider}: HTTP {status}", retryable=status >= 500 or status in (408, 429))
    reason = (refused or {}).get(code) or str(getattr(exc, "errmsg", "") or "")
    return ChannelError(f"{provider}: {code} {reason}".strip(), retryable=code in RETRYABLE_ERRORS)


def network_error(provider: str, exc: requests.RequestException) -> ChannelError:
    """A request that got no answer: a read timeout may have been accepted (DeliveryUncertain), the rest never left."""
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return DeliveryUncertain(f"{provider}: no answer within the read timeout")
    return ChannelError(f"{provider}: platform unreachable ({type(exc).__name__})", retryable=True)
