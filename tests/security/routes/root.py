"""Project-level URLs: health check and language switch."""

from ..matrix import EVERYONE, route

ROUTES = [
    # For load balancers; reveals only whether the database and broker answer (503 when one does
    # not: the matrix is about who gets in, not whether a broker runs during the tests).
    route("healthz", EVERYONE, anonymous=(200, 503), get=(200, 503), post=None),
    # The browser's icon: a static file for everyone, never a refusal in the audit log.
    route("favicon", EVERYONE, anonymous=200, get=200, post=None),
    route("set_language", EVERYONE, anonymous=302, get=302, post=302),
]
