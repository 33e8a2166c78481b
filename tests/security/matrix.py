"""The permission matrix: every URL pattern, every role, objects of one's own station, another
station and another center (issue 6, item 1).

Patterns are discovered from the URL resolver, so a new page has no declaration until someone
writes one in ``tests/security/routes/<app>.py`` — and the matrix test fails until then.

A declaration (``Route``) says, for one URL name:
- ``allow``: the roles that reach it (for object pages: reach the object of their own scope);
- ``get`` / ``post``: the status an allowed role gets for each method (``None``: the view
  refuses the method, 405);
- ``target``: for URLs with arguments, a function ``(world, scope) -> Target`` building the
  URL kwargs for an object in the scope ``own``, ``other_station`` or ``other_center``, with the
  personal data of that object (``secrets``) that must never appear on a refusal;
- ``reach``: roles that also reach objects beyond their own scope (a supervisor reaches the
  other stations of their center);
- ``anonymous``: what a visitor who is not signed in gets (``LOGIN`` by default);
- ``status``: exceptions per role (``"role"`` or ``"role:POST"``), or per role and scope
  (``"role@other_center"``, ``"role@other_center:POST"``) for a public object that a role meets
  with a friendly redirect rather than a 404.

Everything not allowed is a 404 (``denied``), on GET and on POST; a staff member without a
second factor is sent to set one up, except on the few pages listed in
``centers.middleware.SECOND_FACTOR_SETUP_ALLOWED``.

Two more columns, for every request a role made that reached its target (``is_reach``): the same
request once the person's roles are withdrawn (``withdrawn``: ``denied``, unless the page is open to
every signed-in person or to all staff: one's own account; an administrator whose duty is withdrawn is
turned away by the admin site as anyone without one) and once their account is deactivated
(``deactivated``: the sign-in redirect, where a visitor gets it; public pages are left out).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

LOGIN = "login"  # a redirect to a sign-in page
MFA_SETUP = "mfa-setup"  # a redirect to setting up a second factor

# Every role of the portal, plus the people around it.
ROLES = (
    "anonymous",
    "resident",
    "counselor",
    "volunteer",
    "station_manager",
    "supervisor",
    "expert",
    "official",
    "auditor",
    "staff_without_2fa",  # a counselor who has not set up an authenticator app
    "system_admin",  # the deployment's system administrator: accounts, centers, stations (the admin site)
    "security_admin",  # the security administrator: roles, duties, second factors, sign-in pauses (the admin site)
    "deploy_auditor",  # the deployment's auditor: the whole audit log, nothing else
    "superuser",  # Django's superuser on a laptop (check --deploy refuses one in production)
)
STAFF = frozenset({"counselor", "volunteer", "station_manager", "supervisor", "expert", "official", "auditor"})
ADMINISTRATORS = frozenset({"system_admin", "security_admin", "deploy_auditor"})
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
# On the portal's own pages these roles act like the one named.
ALIASES = {"staff_without_2fa": "counselor"}
SCOPES = ("own", "other_station", "other_center")
METHODS = ("GET", "POST")


@dataclass(frozen=True)
class Target:
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # personal data of the target: never on a refusal page
    url: str | None = None  # for unnamed patterns, the full path


@dataclass(frozen=True)
class Route:
    name: str
    allow: frozenset[str] = frozenset()
    get: int | tuple[int, ...] | None = 200  # a tuple: any of these statuses
    post: int | tuple[int, ...] | None = None
    target: Callable[[Any, str], Target] | None = None
    reach: Mapping[str, frozenset[str]] = field(default_factory=dict)
    anonymous: int | tuple[int, ...] | str = LOGIN
    denied: int = 404
    status: Mapping[str, int | str] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    second_factor_exempt: bool | None = None  # None: from SECOND_FACTOR_SETUP_ALLOWED
    scoped: bool = True  # False: the URL's arguments are tokens, not objects of a station or center
    mutates: bool = False  # an allowed POST changes the target: build a fresh one for each request
    withdrawn: int | str | None = None  # what a withdrawn staff member gets here (None: ``denied``)
    deactivated: int | str | None = None  # what a deactivated account gets here (None: as a visitor)


def route(name: str, allow: Iterable[str] = (), *, reach: Mapping[str, Iterable[str]] | None = None, **kwargs) -> Route:
    """Route(...) with plain lists or sets accepted."""
    return Route(
        name=name,
        allow=frozenset(allow),
        reach={role: frozenset(scopes) for role, scopes in (reach or {}).items()},
        **kwargs,
    )


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the full route for an unnamed pattern
    route: str


def discover_patterns() -> list[Pattern]:
    """Every URL pattern the resolver knows, keyed by its name (or its route when unnamed)."""
    found: dict[str, Pattern] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                full = prefix + str(entry.pattern)
                key = (f"{namespace}:{entry.name}" if namespace else entry.name) if entry.name else full
                found.setdefault(key, Pattern(key=key, route=full))

    walk(get_resolver(), "", None)
    return sorted(found.values(), key=lambda p: p.key)


def declared_routes() -> dict[str, Route]:
    """All declarations from tests/security/routes/*.py (each module has a ROUTES list)."""
    from tests.security import routes as package

    declared: dict[str, Route] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for entry in module.ROUTES:
            if entry.name in declared:
                raise AssertionError(f"{entry.name} is declared twice (second time in routes/{info.name}.py)")
            declared[entry.name] = entry
    return declared


def _second_factor_exempt(route: Route) -> bool:
    if route.second_factor_exempt is not None:
        return route.second_factor_exempt
    from centers.middleware import SECOND_FACTOR_SETUP_ALLOWED

    return route.name in SECOND_FACTOR_SETUP_ALLOWED


def expected(route: Route, role: str, scope: str, method: str) -> int | str:
    """What `role` must get for the object of `scope` with `method`, by the declaration."""
    for key in (f"{role}@{scope}:{method}", f"{role}@{scope}", f"{role}:{method}", role):
        if key in route.status:
            return route.status[key]
    method_status = route.get if method == "GET" else route.post
    if role == "anonymous":
        if route.anonymous == LOGIN:
            return LOGIN
        if method_status is None:
            return 405
        return route.anonymous if scope == "own" else route.denied
    if role == "staff_without_2fa" and not _second_factor_exempt(route):
        return MFA_SETUP
    alias = ALIASES.get(role)
    for key in (f"{alias}@{scope}:{method}", f"{alias}@{scope}", f"{alias}:{method}", alias):
        if alias and role not in route.allow and key in route.status:
            return route.status[key]
    if method_status is None:
        return 405
    acting = role if (role in route.allow or alias is None) else alias
    if acting not in route.allow:
        return route.denied
    if scope == "own" or scope in route.reach.get(acting, ()):
        return method_status
    return route.denied


REFUSALS = (LOGIN, MFA_SETUP, 404, 405)


def is_reach(route: Route, role: str, want: int | str | tuple) -> bool:
    """The role reached the target: anything but a refusal (a form shown again with reasons counts)."""
    if role == "anonymous":
        return False
    if isinstance(want, tuple):
        return True
    return want not in REFUSALS and want != route.denied


def after_withdrawal(route: Route, role: str) -> int | str | None:
    """What a staff member whose roles were all withdrawn gets for a request they reached before, or None
    when the column does not apply (not a staff role, or a page any signed-in person reaches)."""
    if role in ADMINISTRATORS and route.name.startswith("admin"):
        return route.status.get("counselor", route.denied)  # as any signed-in person without a duty
    if role not in STAFF | ADMINISTRATORS or "resident" in route.allow or route.allow >= STAFF:
        return None  # a page open to every signed-in person, or to all staff (their own account)
    acting = role if role in route.allow else ALIASES.get(role, role)
    if acting not in route.allow:
        return None
    return route.withdrawn if route.withdrawn is not None else route.denied


def after_deactivation(route: Route, scope: str, method: str) -> int | str | None:
    """A deactivated account is signed out: sent to sign in where a visitor is (unless the route says
    otherwise: a calendar feed of a deactivated counselor stops for everyone). None: a public page,
    where a deactivated account is one more visitor."""
    if route.deactivated is not None:
        return route.deactivated
    visitor = expected(route, "anonymous", scope, method)
    return visitor if visitor == LOGIN else None
