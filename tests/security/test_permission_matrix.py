"""Least privilege, proven: every URL pattern against every role and every scope (issue 6, item 1).

A pattern without a declaration in tests/security/routes/ fails here, so no page can escape.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .matrix import LOGIN, METHODS, MFA_SETUP, ROLES, SCOPES, Target, declared_routes, discover_patterns, expected

PATTERNS = discover_patterns()
DECLARED = declared_routes()


def _url(route, world, scope) -> tuple[str, Target]:
    target = route.target(world, scope) if route.target else Target()
    if target.url is not None:
        return target.url, target
    return reverse(route.name, kwargs=dict(target.kwargs)), target


def _matches(response, want) -> bool:
    if want == LOGIN:
        return response.status_code == 302 and "/login/" in response["Location"]
    if want == MFA_SETUP:
        return response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    if isinstance(want, tuple):
        return response.status_code in want
    return response.status_code == want


def _shown(response, want) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


def test_every_declaration_names_a_real_pattern():
    stale = sorted(set(DECLARED) - {pattern.key for pattern in PATTERNS})
    assert not stale, f"declared but no such URL pattern: {stale}"


@pytest.mark.parametrize("pattern", PATTERNS, ids=[p.key for p in PATTERNS])
def test_route_keeps_to_its_declared_matrix(pattern, world):
    route = DECLARED.get(pattern.key)
    assert route is not None, (
        f"URL pattern {pattern.key!r} ({pattern.route}) has no declaration: add it to tests/security/routes/<app>.py "
        "saying who may reach it and what everyone else gets"
    )
    scopes = SCOPES if route.target and route.scoped else ("own",)
    failures = []
    for scope in scopes:
        for method in METHODS:
            url, target = _url(route, world, scope)
            for role in ROLES:
                if route.mutates and method == "POST":
                    # A POST that works (a revoke) must not change the object the next role tries.
                    url, target = _url(route, world, scope)
                client = world.client(role)
                response = client.get(url) if method == "GET" else client.post(url, dict(route.data))
                want = expected(route, role, scope, method)
                if not _matches(response, want):
                    failures.append(f"{role:18} {method:4} {scope:13} {url}: got {_shown(response, want)}, want {want}")
                    continue
                # A refusal (or a redirect) shows nothing of the target; a form shown again with its
                # reasons (400) to someone who may work the object is their own page, not a refusal.
                if response.status_code >= 300 and want != 400 and not response.streaming:
                    body = response.content.decode(errors="replace")
                    leaked = [secret for secret in target.secrets if secret and secret in body]
                    if leaked:
                        failures.append(f"{role:18} {method:4} {scope:13} {url}: refusal shows {leaked}")
    assert not failures, f"{pattern.key}:\n" + "\n".join(failures)
