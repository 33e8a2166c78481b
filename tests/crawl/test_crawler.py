"""The crawler itself: it must notice a server error, a page without a hotline and English on a Chinese page,
follow links and htmx fragments once per URL pattern, and submit each form empty and with plausible values."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect

from tests.crawl.crawler import Crawl, PageParser, url_pattern

HOTLINES = {"12356", "110", "120", "028-8888-0000"}
STRIP = "".join(f'<a href="tel:{number}">{number}</a>' for number in sorted(HOTLINES))


def html(body: str, *, strip: str = STRIP, title: str = "首页") -> str:
    return f"<!DOCTYPE html><html lang='zh-Hans'><head><title>{title}</title></head><body>{strip}{body}</body></html>"


class FakeClient:
    """Serves canned pages by path and records what was asked; a page that is an exception raises it."""

    def __init__(self, pages: dict):
        self.pages = pages
        self.requests: list[tuple[str, str, dict]] = []
        self.session = {"_auth_user_id": "1"}

    def _serve(self, method, url, data, headers):
        self.requests.append((method, url, dict(data or {}), dict(headers or {})))
        page = self.pages.get(url.split("?")[0], "<!DOCTYPE html><html><body>" + STRIP + "</body></html>")
        if isinstance(page, Exception):
            raise page
        if isinstance(page, HttpResponse):
            return page
        return HttpResponse(page, content_type="text/html; charset=utf-8")

    def get(self, url, data=None, headers=None):
        return self._serve("GET", url, data, headers)

    def post(self, url, data=None, headers=None):
        return self._serve("POST", url, data, headers)


def test_one_visit_stands_for_every_url_of_the_same_shape():
    assert url_pattern("/cases/12/notes/?page=2") == url_pattern("/cases/7/notes/?page=5")
    assert url_pattern("/appointments/staff/day/?day=2026-12-08") == "/appointments/staff/day/?day"
    assert url_pattern("/cases/12/") != url_pattern("/cases/12/notes/")


def test_a_server_error_a_missing_hotline_and_english_are_each_reported_with_the_page():
    client = FakeClient(
        {
            "/": html(
                '<a href="/broken/">坏</a><a href="/bare/">无</a><a href="/english/">英</a><a href="/fine/">好</a>'
            ),
            "/broken/": ZeroDivisionError("division by zero"),
            "/bare/": html("<p>没有热线的页面</p>", strip=""),
            "/english/": html("<p>Your appointment is booked</p>"),
            "/fine/": html("<p>已预约 PHQ-9 <code>case.read allowed</code></p><p lang='en'>English version</p>"),
        }
    )
    crawl = Crawl(client=client, role="resident", hotlines=HOTLINES)
    crawl.run(["/"])

    problems = {finding.where: finding.problem for finding in crawl.findings}
    assert set(problems) == {"GET /broken/", "/bare/", "/english/"}
    assert problems["GET /broken/"].startswith("500 ZeroDivisionError")
    assert problems["/bare/"] == "no hotline 028-8888-0000, 110, 120, 12356 on the page"
    assert "'Your appointment is booked'" in problems["/english/"]


def test_links_are_followed_once_per_pattern_and_never_to_sign_out_or_off_site():
    client = FakeClient(
        {
            "/": html(
                '<a href="/cases/1/">1</a><a href="/cases/2/">2</a><a href="/accounts/logout/">退出</a>'
                '<a href="https://example.com/">外</a><a href="tel:110">110</a>'
                '<div hx-get="/cases/alerts/panel/" hx-trigger="every 30s"></div>'
            ),
        }
    )
    Crawl(client=client, role="counselor", hotlines=HOTLINES).run(["/"])
    asked = [(method, url, headers) for method, url, _data, headers in client.requests]
    assert asked == [
        ("GET", "/", {}),
        ("GET", "/cases/1/", {}),
        ("GET", "/cases/alerts/panel/", {"HX-Request": "true"}),
    ]


def test_every_form_is_sent_empty_and_with_plausible_values_picked_from_the_form():
    form_page = html(
        '<form method="post" action="/book/">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="t">'
        '<input name="full_name" required><input type="tel" name="phone"><input type="date" name="day">'
        '<select name="station"><option value="">请选择</option><option value="7">东风</option></select>'
        '<input type="radio" name="q1" value="0"><input type="radio" name="q1" value="3">'
        '<input type="checkbox" name="agree"><textarea name="note"></textarea>'
        '<button type="submit" name="action" value="confirm">确认</button></form>'
    )
    client = FakeClient({"/": form_page, "/book/": HttpResponseRedirect("/")})
    crawl = Crawl(client=client, role="resident", hotlines=HOTLINES)
    crawl.run(["/"])

    posts = [data for method, _url, data, _headers in client.requests if method == "POST"]
    assert len(posts) == 2 and crawl.accepted == 1
    empty, valid = posts
    assert empty == {"csrfmiddlewaretoken": "t", "full_name": "", "phone": "", "day": "", "station": "", "note": ""} | {
        "action": "confirm"
    }
    assert valid["station"] == "7" and valid["q1"] == "0" and valid["agree"] == "on" and valid["action"] == "confirm"
    assert valid["phone"].startswith("139") and len(valid["phone"]) == 11
    assert valid["day"] > "2026-01-01" and valid["full_name"] and valid["note"]


def test_text_hidden_from_readers_is_not_held_to_the_language_check():
    page = PageParser("/")
    page.feed(
        html(
            '<p hidden>Hidden text here</p><script>var some = "script text";</script>'
            '<span class="d-none">Not shown ever</span><span class="d-none d-lg-inline">宽屏可见</span>'
            '<select name="s"><option>Option text here</option></select><img alt="Chart of visits">'
        )
    )
    assert "Chart of visits" in page.texts and "宽屏可见" in page.texts
    assert not {"Hidden text here", "Not shown ever", "Option text here"} & set(page.texts)


def test_a_link_to_an_address_that_only_takes_forms_is_reported_and_a_place_on_the_page_is_not_asked_for():
    from django.http import HttpResponseNotAllowed

    client = FakeClient(
        {
            "/": html('<a href="#main">跳到正文</a><a href="/cases/1/stage/">阶段</a>'),
            "/cases/1/stage/": HttpResponseNotAllowed(["POST"]),
        }
    )
    crawl = Crawl(client=client, role="counselor", hotlines=HOTLINES)
    crawl.run(["/"])
    assert [url for _method, url, _data, _headers in client.requests] == ["/", "/cases/1/stage/"]
    assert [(finding.where, finding.problem[:40]) for finding in crawl.findings] == [
        ("/cases/1/stage/", "a link on / leads to an address that onl")
    ]
