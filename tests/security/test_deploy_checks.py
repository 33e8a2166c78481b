"""Project checks fail when CSP, password validators or session limits are missing (issue 6, item 10).

`check --deploy` with production settings passing is tested in tests/centers/test_settings.py.
"""

from __future__ import annotations

import pytest

from centers.infra.checks import fucheng_security_checks


def _ids(settings_obj=None):
    return {error.id for error in fucheng_security_checks(None)}


def test_the_project_settings_pass():
    assert _ids() == set()


def test_missing_csp_fails(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "csp.middleware.CSPMiddleware"]
    assert "fucheng.E001" in _ids()


def test_unsafe_inline_fails(settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**settings.CONTENT_SECURITY_POLICY["DIRECTIVES"], "style-src": ["'self'", "'unsafe-inline'"]}
    }
    assert "fucheng.E003" in _ids()


def test_missing_password_validators_fail(settings):
    settings.AUTH_PASSWORD_VALIDATORS = settings.AUTH_PASSWORD_VALIDATORS[1:]
    assert "fucheng.E004" in _ids()


def test_short_passwords_fail(settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
        {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
        {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    ]
    assert "fucheng.E005" in _ids()


@pytest.mark.parametrize("seconds", [0, 3600])
def test_long_staff_sessions_fail(settings, seconds):
    settings.STAFF_IDLE_TIMEOUT_SECONDS = seconds
    assert "fucheng.E006" in _ids()


def test_missing_second_factor_middleware_fails(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "centers.middleware.StaffSecondFactorMiddleware"]
    assert "fucheng.E009" in _ids()


def test_missing_lockout_fails(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "100/m/ip"}
    assert "fucheng.E010" in _ids()


def test_production_cookies_are_secure_httponly_lax_and_host_prefixed():
    import json
    import os
    import subprocess
    import sys

    from tests.centers.test_settings import GOOD, ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FUCHENG_", "DATABASE_URL"))}
    env.update(GOOD, FUCHENG_VAR_DIR=str(ROOT / "var" / "test-settings"))
    code = (
        "import json, fucheng.settings as s; print(json.dumps([s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_NAME, s.CSRF_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SAMESITE, s.STAFF_IDLE_TIMEOUT_SECONDS]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "__Host-sessionid",
        True,
        True,
        "Lax",
        "__Host-csrftoken",
        True,
        "Lax",
        1800,
    ]
