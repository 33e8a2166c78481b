"""A crawler for the portal: Django's test client follows every same-site link and submits every form.

It runs in-process (no browser, no live server), so a whole role's pages take seconds. Each page is held to
what every person must get: no server error, the crisis hotlines on every HTML page, no untranslated English
on a Chinese page. URLs are deduplicated by pattern (numbers, dates and tokens in the path and the values of
the query string set aside), and the number of pages and forms per role is capped.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.utils import timezone

from centers.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.checks import english_runs

# Links the crawl never follows and forms it never submits, with the reason.
EXCLUDED = {
    "/accounts/logout/": "signing out would end the crawl",
    "/i18n/setlang/": "switching to English; the crawl holds the Chinese pages (test_language covers English)",
    "/static/": "static files",
    "/media/": "uploaded files",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
# Text inside these is not interface text shown to a reader (data as stored, scripts, closed pickers).
SKIPPED = {"script", "style", "code", "kbd", "pre", "template", "noscript", "option", "head"}

VERBOSE = bool(os.environ.get("CRAWL_VERBOSE"))
_WORD = re.compile(r"^[a-z_]{1,24}$")
_ID = re.compile(r"^\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_TOKEN = re.compile(r"^[A-Za-z0-9_:-]{20,}$|^[0-9a-f-]{32,36}$")


def url_pattern(url: str) -> str:
    """/cases/12/notes/?page=2 → /cases/<id>/notes/?page: one visit stands for every page of the same shape."""
    parts = urlsplit(url)
    segments = []
    for segment in parts.path.split("/"):
        if _ID.match(segment):
            segment = "<id>"
        elif _DATE.match(segment):
            segment = "<date>"
        elif _TOKEN.match(segment):
            segment = "<token>"
        segments.append(segment)
    # A word as a value names a different page (?panel=close, ?status=open); numbers, dates, searches do not.
    keys = sorted({key + (f"={value}" if _WORD.match(value) else "") for key, value in parse_qsl(parts.query, True)})
    return "/".join(segments) + ("?" + "&".join(keys) if keys else "")


@dataclass
class Form:
    method: str
    action: str
    fields: list[dict] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class PageParser(HTMLParser):
    """Links, forms, the hotlines' tel: numbers and the visible text of one page."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.fragments: list[str] = []  # hx-get: asked for by htmx, with its header
        self.tel: set[str] = set()
        self.forms: list[Form] = []
        self.texts: list[str] = []
        self.title = ""
        self._stack: list[tuple[str, bool]] = []  # (tag, text below it is hidden or not interface text)
        self._form: Form | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None
        self._in_title = False

    @property
    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value if value is not None else "") for name, value in attrs}
        classes = attrs.get("class", "").split()
        hidden = (
            tag in SKIPPED
            or "hidden" in attrs
            or "data-allow-latin" in attrs
            or attrs.get("lang", "").lower().startswith("en")
            or ("d-none" in classes and not any(re.match(r"d-(sm|md|lg|xl|xxl)-", c) for c in classes))
        )
        if tag == "title":
            self._in_title = True
        if not (self._skipping or hidden):
            for name in ("aria-label", "title", "placeholder", "alt"):
                if attrs.get(name, "").strip():
                    self.texts.append(attrs[name].strip())
            if tag == "input" and attrs.get("type") == "submit" and attrs.get("value", "").strip():
                self.texts.append(attrs["value"].strip())
        if attrs.get("hx-get"):
            self.fragments.append(attrs["hx-get"])
        if tag == "a" and "href" in attrs:
            href = attrs["href"]
            if href.startswith("tel:"):
                self.tel.add(href[4:].strip())
            else:
                self.links.append(href)
        elif tag == "form":
            self._form = Form(method=attrs.get("method", "get").lower(), action=attrs.get("action") or self.url)
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "button") and "disabled" not in attrs:
            kind = attrs.get("type", "submit" if tag == "button" else "text").lower()
            if kind in ("submit", "image"):
                if attrs.get("name"):
                    self._form.buttons.append((attrs["name"], attrs.get("value", "")))
            elif kind not in ("button", "reset") and attrs.get("name"):
                self._form.fields.append({"tag": "input", "type": kind, **attrs})
        elif self._form is not None and tag == "select" and attrs.get("name") and "disabled" not in attrs:
            self._select = {"tag": "select", "type": "select", "options": [], **attrs}
            self._form.fields.append(self._select)
        elif self._select is not None and tag == "option":
            self._select["options"].append((attrs.get("value"), "selected" in attrs))
        elif self._form is not None and tag == "textarea" and attrs.get("name"):
            self._textarea = {"tag": "textarea", "type": "textarea", "value": "", **attrs}
            self._form.fields.append(self._textarea)
        if tag not in VOID:
            self._stack.append((tag, self._skipping or hidden))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._textarea is not None:
            self._textarea["value"] += data
            return
        if self._select is not None and self._select["options"]:
            value, selected = self._select["options"][-1]
            if value is None:  # <option>text</option>: the text is the value
                self._select["options"][-1] = (data.strip(), selected)
        if not self._skipping and data.strip():
            self.texts.append(data.strip())


def _future(days: int = 7) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def valid_value(spec: dict, serial: int) -> str | list[str] | None:
    """A plausible value for a field, picked from the form where it offers choices; None leaves it out."""
    kind, name = spec["type"], spec.get("name", "").lower()
    if kind == "hidden":
        return spec.get("value", "")
    if kind == "select":
        options = [value for value, _ in spec["options"] if value not in (None, "")]
        if not options:
            return None
        return [options[0]] if "multiple" in spec else options[0]
    if kind == "file":
        return None
    if kind in ("checkbox", "radio"):
        return spec.get("value") or "on"
    if kind == "password":
        return DEMO_PASSWORD  # the account's own password, for "current password" fields
    if kind == "email" or "email" in name:
        return f"crawl{serial}@example.cn"
    if kind == "tel" or "phone" in name or "mobile" in name:
        return f"139{serial:08d}"
    if kind == "date":
        if "birth" in name:
            return "1990-05-01"
        if spec.get("max") and spec["max"] < _future().isoformat():
            return spec["max"]
        return _future(10 if "last" in name or "until" in name or "end" in name else 7).isoformat()
    if kind == "datetime-local":
        return f"{_future().isoformat()}T10:00"
    if kind == "time":
        return "11:00" if "end" in name else "10:00"
    if kind == "number":
        return spec.get("min") or "1"
    if kind == "url":
        return "https://example.cn/"
    if kind == "textarea":
        return "最近睡得不太好，想找人聊聊。"
    if "code" in name or "otp" in name:
        return "123456"
    if "name" in name:
        return f"测试者{serial}"
    if name in ("q", "search", "query"):
        return "林"
    return spec.get("value") or "爬虫测试"


def form_data(form: Form, *, valid: bool, serial: int) -> dict[str, str | list[str]]:
    """What submitting the form sends: plausible values for every field, or only the hidden ones (empty)."""
    data: dict[str, str | list[str]] = {}
    radios_done: set[str] = set()
    for spec in form.fields:
        name, kind = spec["name"], spec["type"]
        if kind == "hidden":
            data[name] = spec.get("value", "")
            continue
        if not valid:
            if kind not in ("checkbox", "radio", "file"):
                data[name] = ""
            continue
        if kind == "radio":
            if name in radios_done:
                continue
            radios_done.add(name)
        if kind == "checkbox" and name in data:
            continue
        value = valid_value(spec, serial)
        if value is not None:
            data[name] = value
    if form.buttons:
        name, value = form.buttons[0]
        data[name] = value
    return data


@dataclass
class Finding:
    role: str
    where: str
    problem: str

    def __str__(self) -> str:
        return f"[{self.role}] {self.where}: {self.problem}"


@dataclass
class Crawl:
    """One role's crawl: a signed-in test client, the patterns seen, and what was found."""

    client: object
    role: str
    hotlines: set[str]
    sign_in_again: object = None  # callable: the session ended (a form signed the person out)
    max_pages: int = 150
    max_forms: int = 110
    pages: int = 0
    forms: int = 0
    statuses: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _forms_seen: set[tuple] = field(default_factory=set)
    _queue: list[tuple[str, bool, str]] = field(default_factory=list)
    _pending_forms: list[tuple[str, Form]] = field(default_factory=list)
    _serial: int = 0
    ended: bool = False
    checked: int = 0
    accepted: int = 0
    findings_note: str = ""

    def run(self, start: list[str]) -> None:
        for url in start:
            self._enqueue(url, "/")
        while self._queue and self.pages < self.max_pages:
            self._get(*self._queue.pop(0))
        # Forms last, the ones that remove or end something at the very end.
        self._pending_forms.sort(key=lambda item: bool(re.search(r"erase|delete|withdraw|remove", item[1].action)))
        for page_url, form in self._pending_forms:
            if self.forms >= self.max_forms or self.ended:
                break
            self._submit(page_url, form, valid=False)
            for button in form.buttons[:4] or [None]:  # each named submit button is its own choice
                self._submit(page_url, form, valid=True, button=button)
            while self._queue and self.pages < self.max_pages:  # pages that forms led to
                self._get(*self._queue.pop(0))

    def _enqueue(self, href: str, base: str, *, htmx: bool = False) -> None:
        if href.startswith("#"):
            return  # a place on the same page (the skip link): the browser does not ask the server
        url = urljoin("http://testserver" + base, href)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
            return
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if any(parts.path.startswith(prefix) for prefix in EXCLUDED):
            return
        pattern = url_pattern(path) + (" htmx" if htmx else "")
        if pattern in self._seen:
            return
        self._seen.add(pattern)
        self._queue.append((path, htmx, base))

    def _request(self, method: str, url: str, data=None, *, htmx: bool = False):
        headers = {"HX-Request": "true"} if htmx else {}
        try:
            if method == "post":
                return self.client.post(url, data or {}, headers=headers)
            return self.client.get(url, data or None, headers=headers)
        except Exception as error:  # the server error, with where it happened
            frame = traceback.extract_tb(error.__traceback__)[-1]
            self.statuses[500] += 1
            self.findings.append(
                Finding(self.role, f"{method.upper()} {url}", f"500 {error!r} at {frame.filename}:{frame.lineno}")
            )
            return None

    def _get(self, url: str, htmx: bool = False, referrer: str = "") -> None:
        self.pages += 1
        response = self._request("get", url, htmx=htmx)
        if response is not None and response.status_code == 405:
            self.findings.append(
                Finding(
                    self.role,
                    url,
                    f"a link on {referrer} leads to an address that only takes forms (405, a blank page)",
                )
            )
        if response is not None:
            self._check(url, response, follow_redirects=3)

    def _check(self, url: str, response, *, follow_redirects: int) -> None:
        self.statuses[response.status_code] += 1
        if VERBOSE:
            print(f"    {self.role:16} {response.status_code} {url}")
        if response.status_code >= 500:
            self.findings.append(Finding(self.role, url, f"answered {response.status_code}"))
            return
        if response.status_code in (301, 302, 303, 307, 308) and follow_redirects:
            location = response["Location"]
            target = urlsplit(urljoin("http://testserver" + url, location))
            if target.netloc == "testserver" and not any(target.path.startswith(p) for p in EXCLUDED):
                path = target.path + (f"?{target.query}" if target.query else "")
                self.pages += 1
                followed = self._request("get", path)
                if followed is not None:
                    self._check(path, followed, follow_redirects=follow_redirects - 1)
            return
        if not response.get("Content-Type", "").startswith("text/html"):
            return
        html = response.content.decode()
        page = PageParser(url)
        page.feed(html)
        self.checked += 1
        # An htmx fragment is shown inside a page that has the hotlines; its links, forms and words still count.
        fragment = not re.match(r"\s*(<!doctype|<html)", html, re.IGNORECASE)
        missing = [] if fragment else sorted(self.hotlines - page.tel)
        if missing:
            self.findings.append(Finding(self.role, url, f"no hotline {', '.join(missing)} on the page"))
        english = english_runs([*page.texts, page.title])
        if english:
            self.findings.append(Finding(self.role, url, "English on a Chinese page: " + "; ".join(english[:5])))
        for href in page.links:
            self._enqueue(href, url)
        for href in page.fragments:
            self._enqueue(href, url, htmx=True)
        for form in page.forms:
            action = urlsplit(urljoin("http://testserver" + url, form.action))
            if action.netloc != "testserver" or any(action.path.startswith(p) for p in EXCLUDED):
                continue
            form.action = action.path + (f"?{action.query}" if action.query else "")
            key = (form.method, url_pattern(form.action), tuple(sorted({f["name"] for f in form.fields})))
            if key in self._forms_seen:
                continue
            self._forms_seen.add(key)
            self._pending_forms.append((url, form))

    def _submit(self, page_url: str, form: Form, *, valid: bool, button: tuple[str, str] | None = None) -> None:
        self.forms += 1
        self._serial += 1
        data = form_data(form, valid=valid, serial=self._serial)
        if button:
            data[button[0]] = button[1]
        where = f"{form.method.upper()} {form.action} ({'valid' if valid else 'empty'}, form on {page_url})"
        if form.method == "post":
            response = self._request("post", form.action, data)
        else:
            path = urlsplit(form.action).path
            query = dict(parse_qsl(urlsplit(form.action).query))
            query.update({k: v for k, v in data.items() if isinstance(v, str)})
            response = self._request("get", f"{path}?{urlencode(query)}")
        if VERBOSE:
            print(f"    {self.role:16} {getattr(response, 'status_code', 500)} {where}")
        if response is None:
            self.findings[-1].where = where
        else:
            if valid and response.status_code in (301, 302, 303):
                self.accepted += 1
            self._check(form.action, response, follow_redirects=3)
            if response.status_code >= 500:
                self.findings[-1].where = where
        if self.sign_in_again and "_auth_user_id" not in self.client.session:
            self.ended = not self.sign_in_again()
            if self.ended:
                self.findings_note = f"signed out for good by {where}"

    def summary(self) -> str:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(self.statuses.items()))
        line = f"{self.role or 'visitor':16} {self.pages:4} pages ({self.checked} HTML) {self.forms:4} form submissions"
        line += f" ({self.accepted} valid ones accepted)  statuses {statuses}"
        return line + (f"\n      {self.findings_note}" if self.findings_note else "")
