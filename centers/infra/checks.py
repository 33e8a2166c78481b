"""Project deploy checks: fail `check --deploy` when a safety setting is missing."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def fucheng_security_checks(app_configs, **kwargs):
    errors = []
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE:
        errors.append(Error("The CSP middleware is not installed.", id="fucheng.E001"))
    if directives.get("object-src") != ["'none'"] or directives.get("frame-ancestors") != ["'none'"]:
        errors.append(Error("CSP must set object-src and frame-ancestors to 'none'.", id="fucheng.E002"))
    if any("'unsafe-inline'" in values for values in directives.values()):
        errors.append(Error("CSP must not allow 'unsafe-inline'.", id="fucheng.E003"))
    validators = {v["NAME"].rsplit(".", 1)[-1]: v for v in settings.AUTH_PASSWORD_VALIDATORS}
    needed = {"MinimumLengthValidator", "CommonPasswordValidator", "UserAttributeSimilarityValidator"}
    if not needed <= set(validators):
        errors.append(
            Error("Password validators are missing: " + ", ".join(sorted(needed - set(validators))), id="fucheng.E004")
        )
    elif validators["MinimumLengthValidator"].get("OPTIONS", {}).get("min_length", 8) < 10:
        errors.append(Error("Passwords must be at least 10 characters long.", id="fucheng.E005"))
    if not 0 < getattr(settings, "STAFF_IDLE_TIMEOUT_SECONDS", 0) <= 1800:
        errors.append(Error("Staff sessions must end after at most 30 idle minutes.", id="fucheng.E006"))
    if "centers.middleware.StaffIdleTimeoutMiddleware" not in settings.MIDDLEWARE:
        errors.append(Error("The staff idle-timeout middleware is not installed.", id="fucheng.E007"))
    if not settings.SESSION_COOKIE_HTTPONLY:
        errors.append(Error("Session cookies must be HttpOnly.", id="fucheng.E008"))
    if "centers.middleware.StaffSecondFactorMiddleware" not in settings.MIDDLEWARE:
        errors.append(Error("Staff second factor is not enforced (middleware missing).", id="fucheng.E009"))
    if not _locks_out(getattr(settings, "ACCOUNT_RATE_LIMITS", {}).get("login_failed")):
        errors.append(Error("Failed sign-ins must lock an account after at most 5 attempts.", id="fucheng.E010"))
    return errors


def _locks_out(rates: str | None) -> bool:
    """True when the login_failed rate limit has a per-account ("key") limit of at most 5."""
    for rate in (rates or "").split(","):
        parts = rate.strip().split("/")
        if len(parts) == 3 and parts[2] == "key" and parts[0].isdigit() and 0 < int(parts[0]) <= 5:
            return True
    return False
