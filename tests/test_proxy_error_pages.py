"""The reverse proxy's own error pages (manage.py proxy_error_pages): when a web instance dies mid-request or none
answers, the person still sees the crisis hotlines and what to do, in the site's language."""

from __future__ import annotations

from django.core.management import call_command


def test_the_proxy_pages_carry_the_hotlines_and_fit_haproxys_buffer(tmp_path):
    call_command("proxy_error_pages", str(tmp_path))
    for status, reason in ((502, "Bad Gateway"), (503, "Service Unavailable"), (504, "Gateway Timeout")):
        raw = (tmp_path / f"{status}.http").read_bytes()
        head, body = raw.split(b"\r\n\r\n", 1)
        assert head.startswith(f"HTTP/1.0 {status} {reason}\r\n".encode())
        assert f"Content-Length: {len(body)}".encode() in head and b"Cache-Control: no-store" in head
        assert len(raw) <= 16384
        page = body.decode()
        assert 'lang="zh-Hans"' in page and 'href="tel:12356"' in page and 'href="tel:120"' in page
        assert "服务暂时不可用" in page  # the title, in the site's language
        assert (tmp_path / f"{status}.html").read_text(encoding="utf-8") == page


def test_the_pages_can_be_written_in_english(tmp_path):
    call_command("proxy_error_pages", str(tmp_path), "--language", "en")
    page = (tmp_path / "503.html").read_text(encoding="utf-8")
    assert "The service is briefly unavailable" in page and 'href="tel:12356"' in page
