"""Production settings refuse to start with unsafe configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "FUCHENG_ENV": "production",
    "DJANGO_SECRET_KEY": "k7Qp2vN9xR4tL8mZ3wB6yH1cF5dJ0sGaUeTiOoPl-_=+!@#rWq2Xz9",
    "DJANGO_ALLOWED_HOSTS": "portal.example.cn",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/fucheng",
    "FUCHENG_FIELD_KEYS": "cHJvZHVjdGlvbi1saWtlLWZpZWxkLWtleS0zMmJ5dGU=",
    "FUCHENG_AUDIT_KEYS": "k1:cHJvZHVjdGlvbi1saWtlLWF1ZGl0LWtleS1mb3ItdGVzdHM=",
    "FUCHENG_AUDIT_ANCHOR_DIR": str(ROOT / "var" / "test-settings" / "anchors"),
}


def load_settings(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FUCHENG_", "DATABASE_URL"))}
    env.update(GOOD)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["FUCHENG_VAR_DIR"] = str(ROOT / "var" / "test-settings")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import fucheng.settings as s; print(s.DEBUG, s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_starts_with_safe_configuration():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "__Host-sessionid", "True"]


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "x" * 64}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
        ({"FUCHENG_FIELD_KEYS": None}, "FUCHENG_FIELD_KEYS"),
        ({"FUCHENG_FIELD_KEYS": "Zm9yLWRldmVsb3BtZW50LW9ubHktMzItYnl0ZXMhISE="}, "FUCHENG_FIELD_KEYS"),
        ({"FUCHENG_AUDIT_KEYS": None}, "FUCHENG_AUDIT_KEYS"),
        ({"FUCHENG_AUDIT_KEYS": "dev:ZGV2ZWxvcG1lbnQtb25seS1hdWRpdC1jaGFpbi1rZXkhIQ=="}, "FUCHENG_AUDIT_KEYS"),
        ({"FUCHENG_AUDIT_ANCHOR_DIR": None}, "FUCHENG_AUDIT_ANCHOR_DIR"),
    ],
)
def test_production_refuses_unsafe_configuration(missing, named):
    result = load_settings(**missing)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_deploy_checks_pass_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FUCHENG_", "DATABASE_URL"))}
    env.update(GOOD)
    env["DATABASE_URL"] = "sqlite:///" + str(ROOT / "var" / "deploy-check.sqlite3")
    env["FUCHENG_VAR_DIR"] = str(ROOT / "var" / "test-settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _cache_settings(**overrides) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "FUCHENG_", "DATABASE_URL", "CACHE_"))}
    env.update(GOOD, FUCHENG_VAR_DIR=str(ROOT / "var" / "test-settings"), **overrides)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import fucheng.settings as s; "
            "print(s.CACHES['default'].get('KEY_PREFIX'), s.FUCHENG_ACCESS_CACHE_SECONDS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_shared_cache_is_keyed_per_database_and_keeps_roles_a_minute_at_most():
    assert _cache_settings() == "None 0", "no shared cache: roles are read on every request"
    assert _cache_settings(CACHE_URL="redis://127.0.0.1:6379/1") == "fucheng-fucheng 60"
    other = _cache_settings(CACHE_URL="redis://127.0.0.1:6379/1", DATABASE_URL="postgres://h:5432/staging")
    assert other == "fucheng-staging 60", "two portals on one Redis do not share entries"
    assert _cache_settings(CACHE_URL="redis://x:6379/1", FUCHENG_ACCESS_CACHE_SECONDS="3600").endswith(" 60")
