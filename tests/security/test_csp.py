"""Content Security Policy on every page (issue 6, item 5): the header on every route the matrix
knows, and no inline script or style in the portal's own templates."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.security.matrix import ROLES, Target, declared_routes, expected

DECLARED = declared_routes()
# Pages drawn by Django's admin: header checked; their markup is Django's, not ours.
THIRD_PARTY_MARKUP = ("admin:", "admin/")

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style[\s>]|\sstyle\s*=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def _policy(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    parts = [part.strip() for part in header.split(";") if part.strip()]
    return {part.split(" ", 1)[0]: part for part in parts}


def _first_role_seeing(route) -> str | None:
    for role in ROLES:
        if expected(route, role, "own", "GET") == 200:
            return role
    return None


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_every_page_sends_the_policy(name, world):
    route = DECLARED[name]
    role = _first_role_seeing(route) or "anonymous"
    target = route.target(world, "own") if route.target else Target()
    url = target.url or reverse(route.name, kwargs=dict(target.kwargs))
    response = world.client(role).get(url)
    policy = _policy(response)
    assert policy, f"{url} as {role}: no Content-Security-Policy header"
    assert policy.get("object-src") == "object-src 'none'"
    assert policy.get("frame-ancestors") == "frame-ancestors 'none'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    if role != "anonymous":
        # Whatever a signed-in person sees may hold personal data: never cached (item 8).
        assert "no-store" in response.get("Cache-Control", ""), f"{url} as {role}: cacheable"
    if response.status_code != 200 or name.startswith(THIRD_PARTY_MARKUP):
        return
    if "html" not in response.get("Content-Type", ""):
        return
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", policy.get("script-src", ""))
    scripts = [tag for tag in INLINE_SCRIPT.findall(html) if not (nonce and nonce.group(1) in tag)]
    scripts = [tag for tag in scripts if 'type="application/json"' not in tag]
    assert not scripts, f"{url}: inline script without the page's nonce: {scripts[:3]}"
    assert not INLINE_STYLE.findall(html), f"{url}: inline style: {INLINE_STYLE.findall(html)[:3]}"
    assert not EVENT_HANDLER.findall(html), f"{url}: inline event handler: {EVENT_HANDLER.findall(html)[:3]}"


def test_a_not_found_page_sends_the_policy_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "object-src 'none'" in response["Content-Security-Policy"]
