"""Project-level URLs: health check and language switch."""

from tests.security.matrix import EVERYONE, STAFF, route

ROUTES = [
    # For load balancers; reveals only whether the database and broker answer (503 when one does
    # not: the matrix is about who gets in, not whether a broker runs during the tests).
    route("healthz", EVERYONE, anonymous=(200, 503), get=(200, 503), post=None),
    # The browser's icon: a static file for everyone, never a refusal in the audit log.
    route("favicon", EVERYONE, anonymous=200, get=200, post=None),
    route("set_language", EVERYONE, anonymous=302, get=302, post=302),
]

# The SMS providers' status reports (centers/messaging/receipt_views.py): posted by the provider with the shared
# secret in the address; with no secret configured (as here) every post is refused, a GET is not allowed.
ROUTES += [
    route(f"messaging:{name}", EVERYONE, anonymous=403, get=None, post=403)
    for name in ("receipts_aliyun", "receipts_tencent")
]

# A staff member's own channels and "send me a test alert" (centers/accounts/views.py).
ROUTES += [route("centers:reachability", STAFF, post=302)]
