"""A local server on 127.0.0.1 that speaks the documented WeCom, WeChat official-account and WeChat web
authorisation protocols, for the channel and sign-in tests.

It checks requests as the platforms document them (credentials and `access_token` in the query, the JSON body's
fields) and answers as they do: tokens valid until revoked, 40014 for a token it no longer knows, 81013 for an
unknown WeCom userid, 43004 / 40003 for an official-account openid, `errcode`s with HTTP 200. A test can queue
answers for the next send calls ("45009", a 502, a slow answer beyond the client's read timeout).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CORP_ID = "ww0123456789abcdef"
CORP_SECRET = "wecom-app-secret"
AGENT_ID = 1000002
MP_APP_ID = "wx0123456789abcdef"
MP_SECRET = "mp-app-secret"


@dataclass
class Person:
    """Someone the WeChat side knows: their openid on the official account and, when bound, their unionid."""

    openid: str
    unionid: str = ""
    nickname: str = "微信用户"
    follows: bool = True


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class State:
    wecom_users: set[str] = field(default_factory=lambda: {"zhangsan", "lisi"})
    people: dict[str, Person] = field(default_factory=dict)  # by openid
    tokens: set[str] = field(default_factory=set)
    token_counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (openid, scope)
    sns_tokens: dict[str, str] = field(default_factory=dict)  # web authorisation token -> openid
    planned: list[Any] = field(default_factory=list)  # answers for the next send calls
    seen: list[Seen] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # requests that broke the documented protocol
    lock: threading.Lock = field(default_factory=threading.Lock)


class WeixinServer:
    def __init__(self) -> None:
        self.state = State()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the stdlib's name)
                return

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                body: Any = None
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    raw = self.rfile.read(length)
                    try:
                        body = json.loads(raw.decode("utf-8"))
                    except ValueError:
                        body = raw.decode("utf-8", "replace")
                with state.lock:
                    state.seen.append(Seen(method, parts.path, query, body))
                answer = route(state, method, parts.path, query, body)
                if isinstance(answer, Redirect):
                    self.send_response(302)
                    self.send_header("Location", answer.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if isinstance(answer, Slow):
                    time.sleep(answer.seconds)
                    answer = answer.then
                status = 200
                if isinstance(answer, HttpStatus):
                    status, answer = answer.status, {"error": "bad gateway"}
                data = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                # As the platforms do: UTF-8 JSON labelled text/plain.
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have given up (read timeout) before a slow answer came.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # a slow answer the client gave up on does not hold the test up
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # What a test does with the server.
    def plan(self, *answers: Any) -> None:
        """Answers for the next send calls, in order: a dict (an errcode answer), HttpStatus, or Slow."""
        self.state.planned.extend(answers)

    def revoke_tokens(self) -> None:
        """Every access token handed out so far is now invalid (as after a secret reset or an early refresh)."""
        with self.state.lock:
            self.state.tokens.clear()

    def sends(self, path: str) -> list[Seen]:
        return [s for s in self.state.seen if s.path == path]

    def consent(self, authorize_url: str) -> str:
        """The person agrees on WeChat's consent page: the redirect back to the site, with code and state."""
        return consent(self.state, authorize_url)


@dataclass
class Redirect:
    location: str


@dataclass
class Slow:
    seconds: float
    then: Any


@dataclass
class HttpStatus:
    status: int


def errcode(code: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"errcode": code, "errmsg": f"{message}, hint: [local]", **extra}


def new_token(state: State) -> str:
    token = f"ACCESS_TOKEN_{next(state.token_counter)}"
    with state.lock:
        state.tokens.add(token)
    return token


def route(state: State, method: str, path: str, query: dict[str, str], body: Any) -> Any:
    # WeCom: https://developer.work.weixin.qq.com/document/path/91039 (gettoken), /90236 (message/send)
    if path == "/cgi-bin/gettoken":
        if method != "GET":
            state.problems.append("gettoken is a GET")
        if query.get("corpid") != CORP_ID or query.get("corpsecret") != CORP_SECRET:
            return errcode(40001, "invalid credential")
        return {"errcode": 0, "errmsg": "ok", "access_token": new_token(state), "expires_in": 7200}
    # Official account: cgi-bin/token, message/template/send
    if path == "/cgi-bin/token":
        if query.get("grant_type") != "client_credential":
            state.problems.append("token needs grant_type=client_credential")
        if query.get("appid") != MP_APP_ID or query.get("secret") != MP_SECRET:
            return errcode(40013, "invalid appid")
        return {"access_token": new_token(state), "expires_in": 7200}
    if path == "/cgi-bin/message/send":
        return wecom_send(state, method, query, body)
    if path == "/cgi-bin/message/template/send":
        return template_send(state, method, query, body)
    # Web authorisation: connect/oauth2/authorize, sns/oauth2/access_token, sns/userinfo
    if path == "/sns/oauth2/access_token":
        return sns_access_token(state, method, query)
    if path == "/sns/userinfo":
        return sns_userinfo(state, query)
    return HttpStatus(404)


def token_problem(state: State, method: str, query: dict[str, str]) -> dict[str, Any] | None:
    if method != "POST":
        state.problems.append("send calls are POSTs")
    token = query.get("access_token", "")
    if not token:
        return errcode(41001, "access_token missing")
    with state.lock:
        known = token in state.tokens
    return None if known else errcode(40014, "invalid access_token")


def take_planned(state: State) -> Any:
    with state.lock:
        return state.planned.pop(0) if state.planned else None


def wecom_send(state: State, method: str, query: dict[str, str], body: Any) -> Any:
    refused = token_problem(state, method, query)
    if refused:
        return refused
    planned = take_planned(state)
    if planned is not None:
        return planned
    if not isinstance(body, dict) or not isinstance(body.get("agentid"), int) or body["agentid"] != AGENT_ID:
        state.problems.append(f"message/send needs the app's integer agentid: {body!r}")
        return errcode(40056, "invalid agentid")
    msgtype = body.get("msgtype")
    content = body.get(msgtype) if isinstance(msgtype, str) else None
    if msgtype == "text" and not (isinstance(content, dict) and content.get("content")):
        state.problems.append("text needs text.content")
        return errcode(41009, "missing content")
    if msgtype == "textcard" and not (
        isinstance(content, dict) and content.get("title") and content.get("description") and content.get("url")
    ):
        state.problems.append("textcard needs title, description and url")
        return errcode(41011, "missing textcard field")
    if msgtype not in ("text", "textcard"):
        return errcode(40008, "invalid message type")
    users = [u for u in str(body.get("touser", "")).split("|") if u]
    invalid = [u for u in users if u.lower() not in state.wecom_users]
    if users and len(invalid) == len(users):
        return errcode(81013, "user & party & tag all invalid", invaliduser="|".join(u.lower() for u in invalid))
    return {"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(invalid), "msgid": f"msg-{len(state.seen)}"}


def template_send(state: State, method: str, query: dict[str, str], body: Any) -> Any:
    refused = token_problem(state, method, query)
    if refused:
        return refused
    planned = take_planned(state)
    if planned is not None:
        return planned
    if not isinstance(body, dict) or not body.get("template_id") or not isinstance(body.get("data"), dict):
        state.problems.append(f"template/send needs touser, template_id and data: {body!r}")
        return errcode(47001, "data format error")
    for key, item in body["data"].items():
        if not (isinstance(item, dict) and isinstance(item.get("value"), str)):
            state.problems.append(f"data.{key} needs a value")
            return errcode(47003, f"argument invalid! data.{key}.value invalid")
    person = state.people.get(str(body.get("touser", "")))
    if person is None:
        return errcode(40003, "invalid openid")
    if not person.follows:
        return errcode(43004, "require subscribe")
    return {"errcode": 0, "errmsg": "ok", "msgid": 200228332 + len(state.seen)}


def consent(state: State, authorize_url: str) -> str:
    location, _, fragment = authorize_url.partition("#")
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if parts.path != "/connect/oauth2/authorize" or fragment != "wechat_redirect":
        state.problems.append(f"authorize URL is not the official account's: {authorize_url}")
    if query.get("appid") != MP_APP_ID or query.get("response_type") != "code" or "redirect_uri" not in query:
        state.problems.append(f"authorize URL lacks appid / response_type=code / redirect_uri: {authorize_url}")
    scope = query.get("scope", "")
    if scope not in ("snsapi_base", "snsapi_userinfo"):
        state.problems.append(f"scope {scope!r} is not an official-account scope")
    person = next(iter(state.people.values()))
    code = f"CODE_{next(state.token_counter)}"
    state.codes[code] = (person.openid, scope)
    params = {"code": code}
    if "state" in query:
        params["state"] = query["state"]
    return f"{query.get('redirect_uri', '')}?{urlencode(params)}"


def sns_access_token(state: State, method: str, query: dict[str, str]) -> Any:
    if method != "GET":
        state.problems.append("sns/oauth2/access_token is a GET with its parameters in the query")
    if query.get("appid") != MP_APP_ID or query.get("secret") != MP_SECRET:
        return errcode(40013, "invalid appid")
    if query.get("grant_type") != "authorization_code":
        return errcode(40002, "invalid grant_type")
    with state.lock:
        found = state.codes.pop(query.get("code", ""), None)
    if found is None:
        return errcode(40029, "invalid code")
    openid, scope = found
    token = f"SNS_TOKEN_{next(state.token_counter)}"
    state.sns_tokens[token] = openid
    answer: dict[str, Any] = {
        "access_token": token,
        "expires_in": 7200,
        "refresh_token": f"REFRESH_{token}",
        "openid": openid,
        "scope": scope,
    }
    person = state.people[openid]
    if person.unionid and scope == "snsapi_userinfo":
        answer["unionid"] = person.unionid
    return answer


def sns_userinfo(state: State, query: dict[str, str]) -> Any:
    openid = state.sns_tokens.get(query.get("access_token", ""))
    if openid is None:
        return errcode(40001, "invalid credential, access_token is invalid or not latest")
    if query.get("openid") != openid:
        return errcode(40003, "invalid openid")
    person = state.people[openid]
    info: dict[str, Any] = {
        "openid": openid,
        "nickname": person.nickname,
        "sex": 0,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": "https://thirdwx.qlogo.cn/mmopen/default/132",
        "privilege": [],
    }
    if person.unionid:
        info["unionid"] = person.unionid
    return info


@contextmanager
def running_server() -> Iterator[WeixinServer]:
    server = WeixinServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
