"""Local stand-ins for the SMS providers' SendSms endpoints, written from the providers' API documentation.

Each server runs on 127.0.0.1 on a free port, checks a request as the provider documents it (action, version,
required parameters, the signature recomputed with the test secret) and answers as the provider does. `mode` picks
the answer: "ok", "throttle" (and "api_throttle" / "number_throttle"), "bad_template", "bad_number", "http500" or "slow" (answers "ok" after a delay longer
than the client's read timeout: the provider took the message, the client did not hear it). Every request that
passed the checks is kept in `accepted`, so a test can count what reached the person.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

SLOW_SECONDS = 1.5


@dataclass
class ProviderState:
    key_id: str
    secret: str
    mode: str = "ok"
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    calls: int = 0


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def free_port() -> int:
    """A port nothing listens on (for "provider down")."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ProtocolHandler(BaseHTTPRequestHandler):
    state: ProviderState

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class names it so
        pass

    def answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (read timeout): the provider cannot tell

    def do_POST(self) -> None:
        self.state.calls += 1
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.handle_send(body)

    def handle_send(self, body: bytes) -> None:
        raise NotImplementedError


class AliyunHandler(ProtocolHandler):
    """Alibaba Cloud dysmsapi 2017-05-25 SendSms, RPC style, V3 signature (ACS3-HMAC-SHA256)."""

    def error(self, status: int, code: str, message: str) -> None:
        self.state.rejected.append(code)
        self.answer(status, {"Code": code, "Message": message, "RequestId": "TEST-REQUEST"})

    def canonical_query(self, query: list[tuple[str, str]]) -> str:
        pairs = sorted((quote(k, safe="~"), quote(v, safe="~")) for k, v in query)
        return "&".join(f"{k}={v}" for k, v in pairs)

    def handle_send(self, body: bytes) -> None:
        h = {k.lower(): v for k, v in self.headers.items()}
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        params = dict(query)
        if h.get("x-acs-action") != "SendSms" or h.get("x-acs-version") != "2017-05-25":
            return self.error(400, "InvalidAction.NotFound", "action or version")
        if h.get("x-acs-content-sha256") != sha256_hex(body):
            return self.error(400, "IncompleteSignature", "payload hash")
        auth = h.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        fields = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
        if algorithm != "ACS3-HMAC-SHA256" or fields.get("Credential") != self.state.key_id:
            return self.error(400, "InvalidAccessKeyId.NotFound", "credential")
        signed = fields.get("SignedHeaders", "").split(";")
        required = {
            "host",
            "x-acs-action",
            "x-acs-version",
            "x-acs-date",
            "x-acs-signature-nonce",
            "x-acs-content-sha256",
        }
        if not required <= set(signed) or signed != sorted(signed):
            return self.error(400, "IncompleteSignature", "signed headers")
        canonical_headers = "".join(f"{name}:{h.get(name, '').strip()}\n" for name in signed)
        canonical_request = "\n".join(
            [self.command, parts.path or "/", self.canonical_query(query), canonical_headers, ";".join(signed)]
        )
        canonical_request += "\n" + sha256_hex(body)
        string_to_sign = "ACS3-HMAC-SHA256\n" + sha256_hex(canonical_request.encode())
        expected = hmac_sha256(self.state.secret.encode(), string_to_sign).hex()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return self.error(400, "SignatureDoesNotMatch", "Specified signature does not match our calculation.")
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                return self.error(400, "MissingParameter", name)
        if "TemplateParam" in params:
            try:
                template_params = json.loads(params["TemplateParam"])
            except ValueError:
                return self.error(200, "isv.INVALID_JSON_PARAM", "TemplateParam is not JSON")
            if not isinstance(template_params, dict):
                return self.error(200, "isv.INVALID_JSON_PARAM", "TemplateParam is not an object")
        mode = self.state.mode
        if mode == "http500":
            return self.error(500, "InternalError", "The request processing has failed due to some unknown error.")
        if mode == "throttle":
            return self.error(200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
        if mode == "api_throttle":
            return self.error(400, "Throttling.User", "Request was denied due to user flow control.")
        if mode == "bad_template":
            return self.error(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        if mode == "bad_number":
            return self.error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        self.state.accepted.append(params)
        biz_id = f"{len(self.state.accepted):06d}^0"
        if mode == "slow":
            time.sleep(SLOW_SECONDS)
        self.answer(200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "TEST-REQUEST"})


class TencentHandler(ProtocolHandler):
    """Tencent Cloud sms 2021-01-11 SendSms, POST JSON, TC3-HMAC-SHA256 signature."""

    def error(self, code: str, message: str) -> None:
        self.state.rejected.append(code)
        self.answer(200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "test-request"}})

    def status(self, phone: str, session: str, code: str, message: str, serial: str = "") -> None:
        item = {
            "SerialNo": serial,
            "PhoneNumber": phone,
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": session,
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }
        self.answer(200, {"Response": {"SendStatusSet": [item], "RequestId": "test-request"}})

    def handle_send(self, body: bytes) -> None:
        h = {k.lower(): v for k, v in self.headers.items()}
        if h.get("x-tc-action") != "SendSms" or h.get("x-tc-version") != "2021-01-11":
            return self.error("InvalidAction", "action or version")
        if not h.get("x-tc-region"):
            return self.error("MissingParameter", "X-TC-Region")
        timestamp = h.get("x-tc-timestamp", "")
        auth = h.get("authorization", "")
        algorithm, _, rest = auth.partition(" ")
        fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
        scope = fields.get("Credential", "").split("/")
        if algorithm != "TC3-HMAC-SHA256" or len(scope) != 4 or scope[0] != self.state.key_id:
            return self.error("AuthFailure.SecretIdNotFound", "credential")
        date = datetime.fromtimestamp(int(timestamp or 0), UTC).strftime("%Y-%m-%d")
        if scope[1:] != [date, "sms", "tc3_request"] or abs(time.time() - int(timestamp or 0)) > 300:
            return self.error("AuthFailure.SignatureExpire", "credential scope or timestamp")
        signed = fields.get("SignedHeaders", "").split(";")
        if not {"content-type", "host"} <= set(signed):
            return self.error("AuthFailure.SignatureFailure", "signed headers")
        canonical_headers = "".join(f"{name}:{h.get(name, '').strip().lower()}\n" for name in signed)
        canonical_request = "\n".join(["POST", "/", "", canonical_headers, ";".join(signed), sha256_hex(body)])
        string_to_sign = "\n".join(
            ["TC3-HMAC-SHA256", timestamp, f"{date}/sms/tc3_request", sha256_hex(canonical_request.encode())]
        )
        key = hmac_sha256(("TC3" + self.state.secret).encode(), date)
        key = hmac_sha256(key, "sms")
        key = hmac_sha256(key, "tc3_request")
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, fields.get("Signature", "")):
            return self.error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        try:
            params = json.loads(body)
        except ValueError:
            return self.error("InvalidParameter", "body is not JSON")
        for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
            if not params.get(name):
                return self.error("MissingParameter", name)
        if not isinstance(params.get("TemplateParamSet", []), list):
            return self.error("InvalidParameterValue.TemplateParameterFormatError", "TemplateParamSet")
        phone = params["PhoneNumberSet"][0]
        session = params.get("SessionContext", "")
        mode = self.state.mode
        if mode == "http500":
            self.state.rejected.append("http500")
            return self.answer(500, {"message": "internal error"})
        if mode == "throttle":
            return self.error("RequestLimitExceeded", "请求的次数超过了频率限制。")
        if mode == "bad_template":
            return self.error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配。")
        if mode == "number_throttle":
            self.state.rejected.append("LimitExceeded.PhoneNumberThirtySecondLimit")
            return self.status(
                phone,
                session,
                "LimitExceeded.PhoneNumberThirtySecondLimit",
                "单个手机号30秒内下发短信条数超过设定的上限",
            )
        if mode == "bad_number":
            self.state.rejected.append("InvalidParameterValue.IncorrectPhoneNumber")
            return self.status(phone, session, "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误")
        self.state.accepted.append(params)
        serial = f"2433:{len(self.state.accepted):08d}"
        if mode == "slow":
            time.sleep(SLOW_SECONDS)
        self.status(phone, session, "Ok", "send success", serial)


class ProviderServer:
    """A provider stand-in on 127.0.0.1:<free port>, in a thread; use as a context manager."""

    def __init__(self, handler: type[ProtocolHandler], state: ProviderState) -> None:
        self.state = state
        bound = type(handler.__name__, (handler,), {"state": state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), bound)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> ProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
