"""Settings for the Fucheng portal, read from environment variables only.

One section per concern, each with a link to the documentation it follows.
`FUCHENG_ENV` selects the profile: ``development`` (default, SQLite and an
embedded broker), ``test`` or ``production`` (refuses unsafe configuration).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import overload

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FUCHENG_VAR_DIR", BASE_DIR / "var"))


@overload
def env(name: str) -> str | None: ...
@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: None) -> str | None: ...
@overload
def env(name: str, default: str | None) -> str | None: ...
def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


FUCHENG_ENV = env("FUCHENG_ENV", "development")
if FUCHENG_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"FUCHENG_ENV must be development, test or production, not {FUCHENG_ENV!r}")
PRODUCTION = FUCHENG_ENV == "production"

# --- Core ------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#core-settings
_DEV_SECRET = "dev-only-insecure-key-never-use-in-production-0123456789abcdef"
_DEV_FIELD_KEY = "Zm9yLWRldmVsb3BtZW50LW9ubHktMzItYnl0ZXMhISE="  # development and tests only
_DEV_AUDIT_KEY = "ZGV2ZWxvcG1lbnQtb25seS1hdWRpdC1jaGFpbi1rZXkhIQ=="  # development and tests only
SECRET_KEY = env("DJANGO_SECRET_KEY", None if PRODUCTION else _DEV_SECRET)
DEBUG = env_bool("DJANGO_DEBUG", FUCHENG_ENV == "development")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

if PRODUCTION:
    problems = []
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        problems.append("DJANGO_SECRET_KEY (at least 50 varied characters, not the development key)")
    if not ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS")
    if not env("DATABASE_URL"):
        problems.append("DATABASE_URL")
    if DEBUG:
        problems.append("DJANGO_DEBUG must be off")
    if _DEV_FIELD_KEY in env("FUCHENG_FIELD_KEYS", _DEV_FIELD_KEY):
        problems.append("FUCHENG_FIELD_KEYS (the key that encrypts case notes; not the development key)")
    if _DEV_AUDIT_KEY in env("FUCHENG_AUDIT_KEYS", _DEV_AUDIT_KEY):
        problems.append("FUCHENG_AUDIT_KEYS (the key that signs the audit chain, kept outside the database)")
    if not env("FUCHENG_AUDIT_ANCHOR_DIR"):
        problems.append("FUCHENG_AUDIT_ANCHOR_DIR (a write-once place outside the database for the audit anchors)")
    if problems:
        raise ImproperlyConfigured("Production refuses to start without: " + "; ".join(problems))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.weixin",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_htmx",
    "centers",
    "appointments",
    "cases",
]

MIDDLEWARE = [
    # Outermost: a post asking for help is run again while the database is briefly away (fucheng/crisis_retry.py).
    "fucheng.crisis_retry.CrisisPostRetryMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session middleware, so that saving a session counts as a write that pins to the primary.
    "centers.infra.replica.ReplicaPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "centers.middleware.StaffIdleTimeoutMiddleware",
    "centers.middleware.NoStoreForSignedInMiddleware",
    "centers.middleware.ActingCenterMiddleware",
]

ROOT_URLCONF = "fucheng.urls"
WSGI_APPLICATION = "fucheng.wsgi.application"
AUTH_USER_MODEL = "centers.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "centers.context_processors.portal",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
VAR_DIR.mkdir(parents=True, exist_ok=True)
# DATABASE_URL may point at a connection pooler: `pgbouncer-transaction` for PgBouncer's transaction mode
# (the settings that mode needs are applied below); empty (the default) for PostgreSQL itself.
DATABASE_POOLER = env("DATABASE_POOLER", "")
if DATABASE_POOLER not in ("", "pgbouncer-transaction"):
    raise ImproperlyConfigured(f"DATABASE_POOLER must be empty or pgbouncer-transaction, not {DATABASE_POOLER!r}")
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fucheng.sqlite3'}"),
        conn_max_age=int(env("DJANGO_CONN_MAX_AGE", "60") or 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web, worker, beat) share the file in the demo: wait on locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Django's PostgreSQL backend, without the health check's SELECT 1 on a connection used in the last
    # DJANGO_DB_PING_AFTER seconds (fucheng/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "fucheng.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update({"connect_timeout": 5})
    # A web request's queries are small: starting parallel workers for them cost more than it saved
    # (a 5 ms query took 11-24 ms on 2 cores, docs/PERFORMANCE.md). It applies to every connection of
    # the portal (web, Celery); DJANGO_DB_PARALLEL_WORKERS sets another number.
    parallel_workers = int(env("DJANGO_DB_PARALLEL_WORKERS", "0") or 0)
    # No JIT compilation: a statement whose estimate passes jit_above_cost (a filter of OR-ed subqueries
    # estimated at a million) spent 1.2 s compiling to run 87 ms (docs/PERFORMANCE.md); the portal's
    # statements read a few thousand rows at most. DJANGO_DB_JIT=on gives PostgreSQL's default back.
    jit = "on" if env("DJANGO_DB_JIT", "off").lower() in ("1", "on", "true") else "off"
    if DATABASE_POOLER:
        # Behind PgBouncer in transaction mode each transaction may run on another server connection, and
        # PgBouncer refuses the `options` startup parameter: the pooler's connect_query (or ALTER DATABASE …
        # SET) switches JIT and parallel workers off instead, and nothing may outlive a transaction. Django's
        # server-side cursors (QuerySet.iterator()) do, so they are off. docs/pgbouncer.md.
        if "options" in DATABASES["default"]["OPTIONS"] or env("DJANGO_DB_JIT") or env("DJANGO_DB_PARALLEL_WORKERS"):
            raise ImproperlyConfigured(
                "Behind a pooler, set JIT, parallel workers and other -c options in its connect_query or with "
                "ALTER DATABASE … SET, not in DATABASE_URL, DJANGO_DB_JIT or DJANGO_DB_PARALLEL_WORKERS"
            )
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        DATABASES["default"]["OPTIONS"]["options"] = " ".join(
            filter(
                None,
                [
                    DATABASES["default"]["OPTIONS"].get("options"),
                    f"-c max_parallel_workers_per_gather={parallel_workers}",
                    f"-c jit={jit}",
                ],
            )
        )
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Read replica ------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/db/multi-db/
# With DATABASE_REPLICA_URL (a streaming standby of DATABASE_URL's database) the reports, statistics,
# exports and early-warning curves read from it while it is at most DATABASE_REPLICA_MAX_LAG seconds
# behind (centers/infra/replica.py); without it every read goes to the primary. The replica connects as
# the primary does (backend, options, persistent connections): only its address differs.
DATABASE_ROUTERS = ["centers.infra.replica.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG = float(env("DATABASE_REPLICA_MAX_LAG", "10"))
# At least the lag bound: a page opened within it after a write could otherwise show older data than the last.
DATABASE_REPLICA_PIN_SECONDS = max(
    DATABASE_REPLICA_MAX_LAG, float(env("DATABASE_REPLICA_PIN_SECONDS", "") or DATABASE_REPLICA_MAX_LAG)
)
if replica_url := env("DATABASE_REPLICA_URL"):
    if not DATABASE_IS_POSTGRES:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL is a standby of a PostgreSQL DATABASE_URL")
    replica_address = dj_database_url.parse(replica_url)
    DATABASES["replica"] = {
        **DATABASES["default"],
        "NAME": replica_address.get("NAME", ""),
        "USER": replica_address.get("USER", ""),
        "PASSWORD": replica_address.get("PASSWORD", ""),
        "HOST": replica_address.get("HOST", ""),
        "PORT": replica_address.get("PORT", ""),
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], **replica_address.get("OPTIONS", {})},
        # The ordinary test suite reads its test database through this alias; the run against a real
        # standby (tests/replica) points it at the standby's copy instead.
        "TEST": {"MIRROR": "default"},
    }

# --- Cache -----------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/cache/
if env("CACHE_URL"):
    CACHES = {
        "default": {
            # Redis, and the database cache below while Redis cannot be reached (centers/infra/cache.py):
            # a cache outage never turns a sign-in into a server error.
            "BACKEND": "centers.infra.cache.RedisWithDatabaseFallback",
            "LOCATION": env("CACHE_URL"),
            # A Redis that stops answering costs a request one second, not a hung worker.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "FALLBACK": "fallback"},
            # Two portals (staging and production, or two benchmark databases) on one Redis never read
            # each other's entries: user 5 of one is not user 5 of the other.
            "KEY_PREFIX": env("CACHE_KEY_PREFIX") or f"fucheng-{DATABASES['default']['NAME']}",
        },
        "fallback": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "fucheng_cache"},
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache"
            if PRODUCTION
            else "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fucheng_cache",
        }
    }

# A signed-in person's roles and second-factor state are kept in the shared cache between requests
# for this many seconds (centers/access_cache.py; a change takes effect at once). Only with a shared
# cache: per-process caches would let a withdrawn role live on in the other workers.
# The booking page's days with a free time, per center, service and place (appointments/free_days.py).
FUCHENG_FREE_DAYS_CACHE_SECONDS = min(
    60, int(env("FUCHENG_FREE_DAYS_CACHE_SECONDS", "60" if env("CACHE_URL") else "0") or 0)
)
FUCHENG_ACCESS_CACHE_SECONDS = min(
    60, int(env("FUCHENG_ACCESS_CACHE_SECONDS", "60" if env("CACHE_URL") else "0") or 0)
)  # at most a minute: the bound on a change the cache could not be told of (it was down)

# --- Accounts: django-allauth ------------------------------------------------
# https://docs.allauth.org/en/latest/account/configuration.html
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "centers.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email", "phone", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "centers.forms.ResidentSignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
# A mobile number is verified by an SMS code before it signs in or receives messages; at sign-up an
# email address is confirmed by a link (centers.accounts.adapters.SignupEmailVerificationStage).
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
LOGIN_URL = "account_login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "centers:landing"
ACCOUNT_LOGOUT_REDIRECT_URL = "centers:home"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Fucheng"

# Sign in with WeChat (residents): allauth's Weixin provider with our class in its place (centers/wechat_login/,
# docs/messages.md). Official-account web authorisation; the button and the sign-in pages exist only once the
# official account's AppID and AppSecret are set (FUCHENG_WECHAT_APP_ID / FUCHENG_WECHAT_APP_SECRET).
SOCIALACCOUNT_ADAPTER = "centers.wechat_login.adapter.SocialAccountAdapter"
SOCIALACCOUNT_LOGIN_ON_GET = False  # a sign-in starts from the button's POST, never from a link
SOCIALACCOUNT_STORE_TOKENS = False  # nothing here calls WeChat on a resident's behalf later
FUCHENG_WECHAT_APP_ID = env("FUCHENG_WECHAT_APP_ID", "")
FUCHENG_WECHAT_APP_SECRET = env("FUCHENG_WECHAT_APP_SECRET", "")
_weixin_oauth = env("FUCHENG_WECHAT_OAUTH_BASE", "https://open.weixin.qq.com").rstrip("/")
_weixin_api = env("FUCHENG_WECHAT_SNS_BASE", "https://api.weixin.qq.com").rstrip("/")
SOCIALACCOUNT_PROVIDERS: dict = {
    "weixin": {
        "provider_class": "centers.wechat_login.provider.WeChatProvider",
        "AUTHORIZE_URL": f"{_weixin_oauth}/connect/oauth2/authorize",
        "ACCESS_TOKEN_URL": f"{_weixin_api}/sns/oauth2/access_token",
        "PROFILE_URL": f"{_weixin_api}/sns/userinfo",
        "SCOPE": ["snsapi_userinfo"],
        **(
            {"APP": {"client_id": FUCHENG_WECHAT_APP_ID, "secret": FUCHENG_WECHAT_APP_SECRET}}
            if FUCHENG_WECHAT_APP_ID and FUCHENG_WECHAT_APP_SECRET
            else {}
        ),
    }
}

# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/#password-validation
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Sessions and cookies ------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/http/sessions/
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# A refused form gets a page in the visitor's language with the hotlines (fucheng/errors.py).
CSRF_FAILURE_VIEW = "fucheng.errors.csrf_failure"
SESSION_COOKIE_AGE = 60 * 60 * 12
STAFF_IDLE_TIMEOUT_SECONDS = int(env("FUCHENG_STAFF_IDLE_SECONDS", "1800") or 1800)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "31536000") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Content Security Policy: django-csp -------------------------------------
# https://django-csp.readthedocs.io/en/latest/configuration.html
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Internationalisation --------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/i18n/
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: whitenoise ----------------------------------------------------
# https://whitenoise.readthedocs.io/en/stable/django.html
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Outside production whitenoise serves straight from the app and project folders.
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Forms: crispy forms with Bootstrap 5 --------------------------------------------
# https://django-crispy-forms.readthedocs.io/
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email and SMS ---------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/email/
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("DJANGO_EMAIL_PORT", "25") or 25)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "noreply@fucheng.example")
# For django.core.mail.backends.filebased.EmailBackend (the fault rehearsal counts the emails it writes).
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
SMS_BACKEND = env("FUCHENG_SMS_BACKEND", "centers.notify.ConsoleSMSBackend")

# --- Messages: the outbox and its channels (centers/messaging/, docs/messages.md) ------------------
# Every message is a row first; one sweep sends it. SMS leaves through Alibaba Cloud or Tencent Cloud once
# FUCHENG_SMS_PROVIDER names one (their keys below), else through SMS_BACKEND (the console log in the demo).
# WeCom (staff) and the WeChat official account (residents) are channels once their keys are set.
FUCHENG_SMS_PROVIDER = env("FUCHENG_SMS_PROVIDER", "")
for _name in (
    "FUCHENG_SMS_ALIYUN_ACCESS_KEY_ID",
    "FUCHENG_SMS_ALIYUN_ACCESS_KEY_SECRET",
    "FUCHENG_SMS_ALIYUN_RECEIPT_TOKEN",
    "FUCHENG_SMS_TENCENT_SECRET_ID",
    "FUCHENG_SMS_TENCENT_SECRET_KEY",
    "FUCHENG_SMS_TENCENT_SDK_APP_ID",
    "FUCHENG_SMS_TENCENT_RECEIPT_TOKEN",
    "FUCHENG_WECOM_CORP_ID",
    "FUCHENG_WECOM_SECRET",
):
    globals()[_name] = env(_name, "")
FUCHENG_WECOM_AGENT_ID = int(env("FUCHENG_WECOM_AGENT_ID", "0") or 0)
# The providers' API hosts (a URL such as http://127.0.0.1:8001 for a local stand-in, as bench/rehearse uses).
FUCHENG_SMS_ALIYUN_ENDPOINT = env("FUCHENG_SMS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com")
FUCHENG_SMS_TENCENT_ENDPOINT = env("FUCHENG_SMS_TENCENT_ENDPOINT", "sms.tencentcloudapi.com")
FUCHENG_SMS_TEMPLATES = json.loads(env("FUCHENG_SMS_TEMPLATES", "{}"))
FUCHENG_SMS_TENCENT_TEMPLATE_PARAMS = json.loads(env("FUCHENG_SMS_TENCENT_TEMPLATE_PARAMS", "{}"))
FUCHENG_MESSAGE_CHANNELS = {
    "sms": {
        "aliyun": "centers.messaging.sms_aliyun.AliyunSMSChannel",
        "tencent": "centers.messaging.sms_tencent.TencentSMSChannel",
    }.get(FUCHENG_SMS_PROVIDER, "centers.messaging.backends.SMSBackendChannel"),
    "email": "centers.messaging.backends.EmailChannel",
}
if env("FUCHENG_WECOM_CORP_ID") and env("FUCHENG_WECOM_SECRET"):
    FUCHENG_MESSAGE_CHANNELS["wecom"] = "centers.messaging.wecom.WeComChannel"
if env("FUCHENG_WECHAT_APP_ID") and env("FUCHENG_WECHAT_APP_SECRET"):
    FUCHENG_MESSAGE_CHANNELS["wechat"] = "centers.messaging.wechat.WeChatChannel"
FUCHENG_MESSAGE_MAX_ATTEMPTS = int(env("FUCHENG_MESSAGE_MAX_ATTEMPTS", "5") or 5)
FUCHENG_MESSAGE_RETRY_SECONDS = int(env("FUCHENG_MESSAGE_RETRY_SECONDS", "60") or 60)  # doubles each time, ≤ 1 h
# A crisis alert's SMS carries a link that acknowledges it without a sign-in, valid this long (cases/alerts/links.py).
FUCHENG_ALERT_LINK_MINUTES = int(env("FUCHENG_ALERT_LINK_MINUTES", "120") or 120)
FUCHENG_MESSAGE_RECEIPT_WAIT_SECONDS = int(env("FUCHENG_MESSAGE_RECEIPT_WAIT_SECONDS", "600") or 600)
# How long a dispatcher holds a message it is sending; one that died mid-send leaves it to be sent again after this.
FUCHENG_MESSAGE_CLAIM_SECONDS = int(env("FUCHENG_MESSAGE_CLAIM_SECONDS", "120") or 120)
FUCHENG_MESSAGE_KEEP_DAYS = int(env("FUCHENG_MESSAGE_KEEP_DAYS", "90") or 90)

# --- Celery ----------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# With no broker configured, an embedded file-system broker lets the demo's web
# server, worker and beat talk without anything installed.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Broadcast (worker control) tables too, or kombu writes them to ./control in the work tree.
        "control_folder": str(_broker_dir / "control"),
    }
else:
    # A worker that listens on several queues takes from them in the order given (crisis first).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "queue_order_strategy": "priority"}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {}
# Queues by urgency (issue 27; docs/operations in README "Production"): crisis work (an alert's first messages, the
# minute sweep that escalates, the outbox dispatcher) on "crisis", served by a worker of its own, so a long
# statistics refresh, a weekly series or a purge on "bulk" never stands in front of a cry for help. Everything
# else (reminders, waitlist offers, workshop notices, the audit anchor) on "default". Task names, not imports:
# tests/test_celery_queues.py checks every registered task has a queue here or is meant for "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
# Declared, so a worker started without --queues takes all three, crisis first; --queues narrows it.
CELERY_TASK_QUEUES = (Queue("crisis"), Queue("default"), Queue("bulk"))
CRISIS_TASKS = ("cases.alert_dispatch", "cases.sweep", "centers.messaging.dispatch", "centers.messaging.dispatch_now")
BULK_TASKS = (
    "cases.weekly_series",
    "centers.statistics.refresh_run",
    "centers.statistics.refresh_sweep",
    "centers.statistics.refresh_nightly",
    "centers.retention.monthly_report",
    "centers.messaging.purge",
    "appointments.slots_generate",
)
CELERY_TASK_ROUTES = {
    **{name: {"queue": "crisis"} for name in CRISIS_TASKS},
    **{name: {"queue": "bulk"} for name in BULK_TASKS},
}

# --- The portal ------------------------------------------------------------------
# Crisis hotlines shown on every page. Each center's own 24-hour number and SMS signature are the
# center's (Center.hotline, Center.sms_signature; centers/own_numbers.py); these stand in for a
# visitor when no center is set up, and when the database cannot be read.
CENTER_HOTLINE = env("FUCHENG_CENTER_HOTLINE", "028-8888-0000")
SMS_SIGNATURE = env("FUCHENG_SMS_SIGNATURE", "阜城社区服务")
# The center a visitor's pages belong to (its code); empty: the first center.
DEFAULT_CENTER_CODE = env("FUCHENG_DEFAULT_CENTER", "")
CRISIS_HOTLINES = [
    {"number": "12356", "label": _("National psychological assistance hotline")},
    {"number": "110", "label": _("Police, immediate danger")},
    {"number": "120", "label": _("Ambulance, medical emergency")},
    {"number": CENTER_HOTLINE, "label": _("Our center, 24 hours")},
]
# Key(s) for field encryption of notes: comma-separated Fernet keys, newest first.
FUCHENG_FIELD_KEYS = env("FUCHENG_FIELD_KEYS", "" if PRODUCTION else _DEV_FIELD_KEY)
# The audit chain is an HMAC under these keys: "id:base64key" pairs, comma-separated, newest first. The first
# signs new rows and anchors; the others still verify the rows they signed (rotation: put a new key first).
# Kept outside the database, so that whoever can write the table cannot recompute the chain.
FUCHENG_AUDIT_KEYS = env("FUCHENG_AUDIT_KEYS", "" if PRODUCTION else f"dev:{_DEV_AUDIT_KEY}")
# Every hour the chain's head and row count are written here as a signed file, one file per anchor, never
# overwritten (point it at write-once storage); verify_audit compares them with the table.
FUCHENG_AUDIT_ANCHOR_DIR = env("FUCHENG_AUDIT_ANCHOR_DIR", "" if PRODUCTION else str(VAR_DIR / "audit-anchors"))

# Retention (docs/security.md "Retention"): how long each kind of record is kept, then purge_expired_records
# removes it unless a legal hold keeps it. Closed counseling cases (with their notes, screenings, referrals,
# follow-ups, alerts and callback requests): years after closing, at least this, longer where the center says so
# (Center.record_retention_years). Online conversations never joined to a case: years after closing. Finished
# appointments without a session note: years after the session (one with a note is a counseling record and is
# kept as long as a case). Audit rows: days (never under 183; check --deploy and purge_audit refuse less).
FUCHENG_RETENTION_CASE_YEARS = int(env("FUCHENG_RETENTION_CASE_YEARS", "10") or 10)
FUCHENG_RETENTION_CONVERSATION_YEARS = int(env("FUCHENG_RETENTION_CONVERSATION_YEARS", "3") or 3)
FUCHENG_RETENTION_APPOINTMENT_YEARS = int(env("FUCHENG_RETENTION_APPOINTMENT_YEARS", "3") or 3)
FUCHENG_RETENTION_AUDIT_DAYS = int(env("FUCHENG_RETENTION_AUDIT_DAYS", "365") or 365)
# Records removed per transaction by purge_expired_records.
FUCHENG_RETENTION_BATCH_SIZE = int(env("FUCHENG_RETENTION_BATCH_SIZE", "200") or 200)

# A post asking for help is tried again after these pauses (seconds) while the database connection is lost or
# refused; then the person gets the page that keeps their answers and sends them again.
FUCHENG_CRISIS_RETRY_DELAYS = [float(x) for x in env_list("FUCHENG_CRISIS_RETRY_DELAYS", "0.5,1,2")]

# The outbox dispatcher (manage.py dispatch_outbox) sends due messages this often, without the broker.
FUCHENG_DISPATCH_INTERVAL_SECONDS = float(env("FUCHENG_DISPATCH_INTERVAL_SECONDS", "5") or 5)

# --- Logging ---------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Sign-up asks for an email *or* a mobile number (either optional on its own);
# ResidentSignupForm.clean requires one of the two, which allauth's check cannot see.
SILENCED_SYSTEM_CHECKS = ["account.W001"]

# --- Appointments (issue 3) ------------------------------------------------------
# Booking horizon, waitlist offer time, reminder channels and the public address used
# in messages and calendar feeds. Channels are names from appointments.channels.CHANNELS.
APPOINTMENT_BOOKING_HORIZON_DAYS = int(env("APPOINTMENT_BOOKING_HORIZON_DAYS", "28") or 28)
APPOINTMENT_WAITLIST_OFFER_MINUTES = int(env("APPOINTMENT_WAITLIST_OFFER_MINUTES", "120") or 120)
APPOINTMENT_REMINDER_CHANNELS = env_list("APPOINTMENT_REMINDER_CHANNELS", "email,sms")
PORTAL_BASE_URL = (env("PORTAL_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/")
# --- End of appointments ---------------------------------------------------------
# --- Cases (issue 4) ----------------------------------------------------------------
# Absolute links in crisis alerts and partner feedback links: the same public address as above.
FUCHENG_BASE_URL = PORTAL_BASE_URL
# How long a partner's single-use feedback link stays valid.
CASES_REFERRAL_LINK_HOURS = int(env("FUCHENG_REFERRAL_LINK_HOURS", "168") or 168)
# Online conversations (issue 10, docs/consult.md): messages a resident account may send per minute.
FUCHENG_CONSULT_MESSAGES_PER_MINUTE = int(env("FUCHENG_CONSULT_MESSAGES_PER_MINUTE", "8") or 8)
# --- Security: second factor, lockout, sessions (issue 6) -------------------------------
# https://docs.allauth.org/en/latest/mfa/configuration.html
# https://docs.allauth.org/en/latest/account/rate_limits.html
# Staff without an authenticator app are sent to set one up before any personal data.
MIDDLEWARE.insert(
    MIDDLEWARE.index("centers.middleware.StaffIdleTimeoutMiddleware") + 1,
    "centers.middleware.StaffSecondFactorMiddleware",
)
# Every refused request (403/404) of a signed-in person is an audit row.
MIDDLEWARE.append("centers.middleware.AuditDeniedMiddleware")
MFA_ADAPTER = "centers.accounts.security.MFAAdapter"
MFA_RECOVERY_CODE_COUNT = 10
MFA_TOTP_TOLERANCE = 1
# Lockout: five failed sign-ins to one account lock it for 15 minutes (counted per account,
# see centers.accounts.adapters); one address may fail 30 times a minute, so colleagues behind the
# same office address still sign in while one account is locked.
FUCHENG_LOCKOUT_ATTEMPTS = 5
FUCHENG_LOCKOUT_MINUTES = 15
ACCOUNT_RATE_LIMITS = {
    **ACCOUNT_RATE_LIMITS,
    "login_failed": f"30/m/ip,{FUCHENG_LOCKOUT_ATTEMPTS}/{FUCHENG_LOCKOUT_MINUTES}m/key",
}
# Behind a load balancer: how many proxies add to X-Forwarded-For. The client address in audit
# rows and the per-address sign-in limit come from there (0: the direct peer, REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("FUCHENG_TRUSTED_PROXY_COUNT", "0") or 0)
# The session key changes at sign-in (Django's login() cycles it); sign-out flushes it.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# --- Scale (issue 7) -----------------------------------------------------------------
# bench/run sets FUCHENG_BENCH=1 to route the baseline view it compares every page with; never in production.
FUCHENG_BENCH = env_bool("FUCHENG_BENCH", False) and not PRODUCTION
# --- End of scale ---------------------------------------------------------------------
