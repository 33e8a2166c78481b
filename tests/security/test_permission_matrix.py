"""Least privilege, proven: every URL pattern against every role and every scope.

A pattern without a declaration in tests/security/routes/ fails here, so no page can escape. Every
request that reached its target is made again after the person's account is deactivated (they are a
visitor now) and after their roles are withdrawn (a 404): access ends with the role.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from centers.models import Administrator, Membership, User
from tests.security.matrix import (
    LOGIN,
    METHODS,
    MFA_SETUP,
    ROLES,
    SCOPES,
    Target,
    after_deactivation,
    after_withdrawal,
    declared_routes,
    discover_patterns,
    expected,
    is_reach,
)

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
    reaches = []
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
                failures += _check(response, want, target, f"{role:18} {method:4} {scope:13} {url}")
                if is_reach(route, role, want):
                    reaches.append((role, scope, method, url, target))
    failures += _after_the_role(route, world, reaches)
    assert not failures, f"{pattern.key}:\n" + "\n".join(failures)


def _request(world, role, method, url, route):
    client = world.client(role)
    return client.get(url) if method == "GET" else client.post(url, dict(route.data))


def _check(response, want, target, label) -> list[str]:
    if not _matches(response, want):
        return [f"{label}: got {_shown(response, want)}, want {want}"]
    # A refusal (or a redirect) shows nothing of the target; a form shown again with its
    # reasons (400) to someone who may work the object is their own page, not a refusal.
    if response.status_code >= 300 and want != 400 and not response.streaming:
        body = response.content.decode(errors="replace")
        leaked = [secret for secret in target.secrets if secret and secret in body]
        if leaked:
            return [f"{label}: refusal shows {leaked}"]
    return []


def _after_the_role(route, world, reaches) -> list[str]:
    """The columns "deactivated" and "withdrawn": each request that reached its target, made again by the
    same person (same session) once their account is deactivated, then (account active again) once every
    role and administrator duty they held is withdrawn."""
    failures = []
    people = {role: world.users[role].pk for role, *_ in reaches if world.users.get(role) is not None}
    if not people:
        return failures
    User.objects.filter(pk__in=people.values()).update(is_active=False)
    for role, scope, method, url, target in reaches:
        want = after_deactivation(route, scope, method)
        if want is None:
            continue
        response = _request(world, role, method, url, route)
        failures += _check(response, want, target, f"{role:18} {method:4} {scope:13} deactivated {url}")
    User.objects.filter(pk__in=people.values()).update(is_active=True)
    Membership.objects.filter(user_id__in=people.values(), is_active=True).update(is_active=False)
    Administrator.objects.filter(user_id__in=people.values(), is_active=True).update(is_active=False)
    for role, scope, method, url, target in reaches:
        want = after_withdrawal(route, role)
        if want is None:
            continue
        response = _request(world, role, method, url, route)
        failures += _check(response, want, target, f"{role:18} {method:4} {scope:13} withdrawn {url}")
    return failures
