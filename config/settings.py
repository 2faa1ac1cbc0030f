"""One settings module, driven by the environment (see docs/operations.md for every variable).

A `.env` file at the project root is read when present (`make run` writes one for local use);
real environment variables always win over it.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config.csp import policy as csp_policy
from config.defaults import default_from_email
from config.queues import QUEUE_KINDS

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# DJANGO_ENV_FILE="" disables the file (the test suite does, so a developer's .env never leaks in).
_env_file = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file, overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _required_secret(name: str) -> str:
    """Secrets are never generated per process: a key made at start-up would differ between
    workers and make every encrypted signing key unreadable after a restart."""
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment (or in .env) before starting; "
            "see docs/operations.md for how to generate one."
        )
    return value


SECRET_KEY = _required_secret("SECRET_KEY")
# Comma-separated Fernet keys; the first encrypts, all decrypt (rotation without downtime).
KEY_ENCRYPTION_KEY = _required_secret("KEY_ENCRYPTION_KEY")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.hostname:
    raise ImproperlyConfigured(f"SITE_URL must be an absolute http(s) URL, got {SITE_URL!r}.")
if not DEBUG and _site.scheme != "https":
    raise ImproperlyConfigured("SITE_URL must use https outside DEBUG: credential ids and did:web are derived from it.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[_site.hostname, "localhost", "127.0.0.1"] if DEBUG else [_site.hostname]
)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, no CDN
    "accounts",
    "outbox",
    "verification",
    "issuer",
    "badges",
    "bulk",
    "learners",
    "stacking",
    "analytics",
    "api",
    "webhooks",
    "oauth2_provider",
    "ob_api",
    "backpack",
    "wallets",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language: the switcher's cookie, else Accept-Language, else LANGUAGE_CODE. After the session
    # (which it may read), before CommonMiddleware (which may redirect to a URL the language does not change).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every response that has none of its own (config.csp; the media view sets its own).
    # Above ob_api's middleware, which widens the policy of the sign-in page before this writes the header.
    "csp.middleware.CSPMiddleware",
    "ob_api.middleware.ReturnToAuthorizationMiddleware",
    # Last, as axes requires: it turns a sign-in refused by the lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "issuer.context_processors.issuer_navigation",
                "learners.context_processors.learner_session",
            ],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    (BASE_DIR / "var").mkdir(exist_ok=True)  # the embedded default lives in var/ (git-ignored)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process task runner and the web process read while one writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Each web process keeps its database connection between requests (a new PostgreSQL connection costs a request
# several milliseconds, a new SQLite one the WAL pragma), checked before reuse so a restarted server costs nothing
# but a reconnect. DATABASE_CONN_MAX_AGE=0 closes it after every request again.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True


def _cache(prefix: str, local_entries: int) -> dict[str, Any]:
    if not REDIS_URL:
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": prefix or "default",
            "OPTIONS": {"MAX_ENTRIES": local_entries},
        }
    return {
        # Django's Redis cache, acting as an empty one (with a warning) while Redis cannot answer (config.cache).
        "BACKEND": "config.cache.FailSafeRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": prefix,
        # Everything cached can be lost: rate-limit counters let requests through without it (config.ratelimit),
        # public documents are made again from the database (config.http_cache). A Redis that hangs must cost a
        # request a moment, not a worker's timeout.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }


CACHES = {
    "default": _cache("", 300),
    # Rendered public pages and signed public documents (config.http_cache, D40): keyed by the database state they
    # were made from, so an entry is never wrong, only unused. An alias of its own, so they never push the rate
    # limiter's counters out of the local cache.
    "public": {**_cache("public", 5000), "TIMEOUT": 3600},
}

# The lockout first: it refuses a locked-out account or address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "issuer:manage-index"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# English unless the reader asks otherwise; URLs carry no language, so a shared credential link reads in its
# reader's language (D51). Adding a language: docs/architecture.md, "Languages".
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            # Hashed, compressed files need `collectstatic` (the deployment runs it); the test suite does not.
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Unset: badges@<SITE_URL's domain>; in DEBUG badges@localhost for a loopback or IP host; outside DEBUG an IP
# host stops start-up (config.defaults.default_from_email).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="") or default_from_email(_site.hostname, debug=DEBUG)

# Celery: with no broker configured, tasks run in-process so the platform works on SQLite alone.
_broker_url = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not _broker_url
# Without a broker, a task declared long_running (a bulk job's chunks, its undo) runs in a thread of the process that
# started it, so that the page that started it answers at once and shows the progress (outbox.services, D48). The
# test suite turns it off (tests/plugin.py): its in-memory database cannot be shared between threads.
LONG_TASKS_IN_THREADS = env.bool("LONG_TASKS_IN_THREADS", default=True)
# Without a broker, the development server runs CELERY_BEAT_SCHEDULE itself in a thread (outbox.scheduler, D56):
# bulk jobs resumed, the outbox swept, webhooks retried, expiry reminders sent.
EMBEDDED_SCHEDULER = env.bool("EMBEDDED_SCHEDULER", default=True)
# Celery serializes even an in-process task through a producer of the configured transport. Without a broker that is
# kombu's in-memory transport, on a named host: an empty URL would mean AMQP on no host, and kombu would log "No
# hostname was supplied" for every task. Nothing is ever sent there.
CELERY_BROKER_URL = _broker_url or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# E-mail, baking and bulk chunks have queues of their own, named after the default one (config.celery.route_task);
# a worker started without -Q consumes them all.
CELERY_TASK_QUEUES = [
    Queue(name) for name in (CELERY_TASK_DEFAULT_QUEUE, *(f"{CELERY_TASK_DEFAULT_QUEUE}.{k}" for k in QUEUE_KINDS))
]
CELERY_TASK_ROUTES = ["config.celery.route_task"]
# A broker that is down or hangs costs a request about a second, never minutes: tasks are recorded in the outbox
# with the write that needs them, and what cannot be handed over after commit is swept later (docs/decisions.md D37).
# Connecting, and every read or write on the broker's sockets, waits at most this long (workers too).
BROKER_TIMEOUT = env.float("BROKER_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": BROKER_TIMEOUT, "socket_timeout": BROKER_TIMEOUT}
CELERY_BEAT_SCHEDULE = {
    "resume-bulk-jobs": {"task": "badges.tasks.resume_bulk_jobs", "schedule": 60.0},  # bulk.tasks (its old name)
    "stacking-expired-components": {"task": "stacking.tasks.sweep_expired_components", "schedule": 3600.0},
    "webhooks-due": {"task": "webhooks.tasks.deliver_due_webhooks", "schedule": 60.0},
    "purge-sign-in-tokens": {"task": "learners.tasks.purge_sign_in_tokens", "schedule": 24 * 3600.0},
    # Learners reminded before their credentials expire, once per credential and threshold (badges.reminders).
    "expiry-reminders": {"task": "badges.tasks.send_expiry_reminders", "schedule": 3600.0},
    "purge-wallet-secrets": {"task": "wallets.tasks.purge_wallet_secrets", "schedule": 24 * 3600.0},
    # What commits could not hand to the broker (it was down, or the process died right after the commit).
    "outbox-sweep": {"task": "outbox.tasks.sweep", "schedule": 30.0},
}
# Per worker process: the relay's limit divided by the number of e-mail workers. Celery's syntax: "10/s", "300/m".
AWARD_EMAIL_RATE_LIMIT = env.str("AWARD_EMAIL_RATE_LIMIT", default="10/s") or None  # empty: no limit
# Bulk jobs: rows per chunk (one transaction each), chunk chains run side by side per job, and how long a running
# job may go without a committed chunk before the periodic check restarts its chains.
BULK_CHUNK_SIZE = env.int("BULK_CHUNK_SIZE", default=200)
BULK_PARALLEL_CHUNKS = env.int("BULK_PARALLEL_CHUNKS", default=2)
BULK_STALE_SECONDS = env.int("BULK_STALE_SECONDS", default=300)

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Integrators send `Authorization: Bearer obp_...` (api.authentication); the session serves the browser.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "EXCEPTION_HANDLER": "config.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Reverse proxies in front of the app that append to X-Forwarded-For (0: none, the address is REMOTE_ADDR). Rate
# limits key on the client's address (config.client_address); trusting more proxies than there are lets clients
# choose their own address.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
# DRF's own reading of the address (our throttles use config.client_address): the same rule, never None, which
# would trust any header.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXIES
# Requests per token (or signed-in user) of the integrator API, in DRF's syntax: "600/minute", "20/second".
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="600/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Open Badges platform API",
    "DESCRIPTION": "The integrator REST API (docs/api.md) and the public verifier (docs/api-verify.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs/ (Swagger UI) loads its scripts from our own static files (drf-spectacular-sidecar), no CDN.
    # (Not Redoc: its page loads web fonts from Google.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # validatorUrl None: no badge image from validator.swagger.io either.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "CredentialStatusEnum": "badges.models.CredentialStatus",
        "BulkRowStatusEnum": "bulk.models.BulkRowStatus",
    },
}

# The 1EdTech Open Badges API (ob_api, docs/ob-api.md): django-oauth-toolkit as the authorization server.
OB_API_SCOPE_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"  # named, so migrations can refer to it
OAUTH2_PROVIDER = {
    "SCOPES": {
        OB_API_SCOPE_PREFIX + "credential.readonly": "Read your Open Badges credentials",
        OB_API_SCOPE_PREFIX + "credential.upsert": "Add credentials to your collection and replace them",
        OB_API_SCOPE_PREFIX + "profile.readonly": "Read your profile",
        OB_API_SCOPE_PREFIX + "profile.update": "Change your profile",
        "offline_access": "Stay connected when you are not using it",
    },
    # Only the scopes a client registered (ob_api.oauth.RegisteredScopes); S256 is the only PKCE method.
    "SCOPES_BACKEND_CLASS": "ob_api.oauth.RegisteredScopes",
    "OAUTH2_SERVER_CLASS": "ob_api.oauth.S256OnlyServer",
    "PKCE_REQUIRED": True,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OB_API_REFRESH_TOKEN_SECONDS", default=90 * 24 * 3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # tokens stored hashed
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,  # RFC 9207 `iss` in the authorization response
    "OIDC_ISS_ENDPOINT": f"{SITE_URL}/ims/ob/v3p0",
}
OB_API_TERMS_OF_SERVICE_URL = env.str("OB_API_TERMS_OF_SERVICE_URL", default=f"{SITE_URL}/")
OB_API_PRIVACY_POLICY_URL = env.str("OB_API_PRIVACY_POLICY_URL", default=f"{SITE_URL}/")
# Dynamic client registrations accepted per client address and hour.
OB_API_REGISTRATIONS_PER_HOUR = env.int("OB_API_REGISTRATIONS_PER_HOUR", default=10)

# ----- Sign-in abuse (docs/operations.md "Sign-in limits and unlocking an account", docs/decisions.md D32) -----
# Lockout (django-axes): LOGIN_FAILURE_LIMIT failed sign-ins of one account, or from one client address, refuse
# every sign-in of it (even with the right password) for LOGIN_LOCKOUT_MINUTES after the last counted failure.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own, not the pair
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Attempts refused during a lockout do not extend it, so the page's "try again at" holds, and a user who tries
# their right password meanwhile is not locked out longer.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful sign-in does not clear the counts: an attacker with an account of their own could otherwise reset
# the count of their address between guesses at other accounts.
AXES_RESET_ON_SUCCESS = False
# No table of every successful sign-in with its address: lockouts are in the audit log (issuer.lockouts).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner in every command's output; failures and lockouts are still logged
# Sign-in e-mails (password-reset links, learners' sign-in links): per e-mail address (over it, nothing is sent
# and the answer does not change) and per client address (over it, 429). DRF's syntax: "5/hour", "20/h".
SIGN_IN_MAIL_RATE_PER_ADDRESS = env.str("SIGN_IN_MAIL_RATE_PER_ADDRESS", default="5/hour")
SIGN_IN_MAIL_RATE_PER_CLIENT = env.str("SIGN_IN_MAIL_RATE_PER_CLIENT", default="20/hour")

# ----- Wallets: OpenID4VCI (docs/wallets.md, docs/decisions.md D54) -----
# Requests to the token, nonce and credential endpoints per client address (one take-up is three of them).
WALLET_RATE_PER_CLIENT = env.str("WALLET_RATE_PER_CLIENT", default="60/minute")
# Wallet offers a learner may make (each may e-mail a transaction code).
WALLET_OFFER_RATE_PER_LEARNER = env.str("WALLET_OFFER_RATE_PER_LEARNER", default="20/hour")
# Offers need a 6-digit transaction code, e-mailed to the learner, typed into the wallet (OpenID4VCI 1.0 §4.1.1):
# whoever sees the QR code on the learner's screen can then not take the credential without the learner's mail.
WALLET_TX_CODE_REQUIRED = env.bool("WALLET_TX_CODE_REQUIRED", default=False)

# Outbound HTTP (DID documents, status lists, verify-by-URL) goes through verification.http only.
OUTBOUND_HTTP_TIMEOUT = env.float("OUTBOUND_HTTP_TIMEOUT", default=5.0)
OUTBOUND_HTTP_MAX_BYTES = env.int("OUTBOUND_HTTP_MAX_BYTES", default=1024 * 1024)
OUTBOUND_HTTP_ALLOW_PRIVATE = env.bool("OUTBOUND_HTTP_ALLOW_PRIVATE", default=False)

# Bounded work of the public verifier (/verify, POST /api/v1/verify; docs/verification.md, "Input limits"). A
# credential is a few KB; these stop one request from occupying a worker for long, whatever it sends.
VERIFY_MAX_BODY_BYTES = env.int("VERIFY_MAX_BODY_BYTES", default=256 * 1024)  # a credential (also one in an image)
VERIFY_MAX_IMAGE_BYTES = env.int("VERIFY_MAX_IMAGE_BYTES", default=2 * 1024 * 1024)  # an uploaded baked PNG/SVG
VERIFY_MAX_JSON_DEPTH = env.int("VERIFY_MAX_JSON_DEPTH", default=32)
VERIFY_MAX_JSON_ARRAY = env.int("VERIFY_MAX_JSON_ARRAY", default=10_000)
VERIFY_MAX_JSON_VALUES = env.int("VERIFY_MAX_JSON_VALUES", default=100_000)
VERIFY_TIME_BUDGET = env.float("VERIFY_TIME_BUDGET", default=3.0)  # seconds per verification, fetches included
VERIFY_OUTBOUND_BUDGET = env.float("VERIFY_OUTBOUND_BUDGET", default=2.0)  # seconds all its fetches may take

# Issuer analytics (D62): page views, verifications and shares are counted in each process's memory and written to
# the database at most this often (seconds; 0 writes every count at once), and when the process exits.
ANALYTICS_FLUSH_SECONDS = env.float("ANALYTICS_FLUSH_SECONDS", default=10.0)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Where `seed_demo` keeps the demo admin's generated password (local development only).
DEMO_ADMIN_PASSWORD_FILE = env.str("DEMO_ADMIN_PASSWORD_FILE", default=str(BASE_DIR / "var" / "demo-admin-password"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Tasks run in-process (no broker) would log a "Task … succeeded" line per award, e-mail and bake.
    "loggers": {"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {},
}


# ----- Media: uploaded images, baked badges, bulk results (docs/operations.md "Media", docs/decisions.md D28) -----
# Image URLs under MEDIA_URL are signed into credentials: it is fixed, and config.media serves it in every shape.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
# An S3-compatible bucket instead of MEDIA_ROOT. The bucket stays private: the platform streams the public images
# itself (config.storage), so their URLs stay under SITE_URL.
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "config.storage.S3MediaStorage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "location": env.str("MEDIA_S3_PREFIX", default=""),
            # Unset: boto3's own defaults (AWS, credentials from its usual chain such as an instance role).
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
            "addressing_style": env.str("MEDIA_S3_ADDRESSING_STYLE", default="") or None,  # "path" for MinIO
            "signature_version": "s3v4",
            "default_acl": None,  # private objects; nothing is ever fetched from the bucket by a browser
            "file_overwrite": False,  # names are immutable; a clash gets a new name, never replaces a file
        },
    }

# Content-Security-Policy (config.csp, docs/decisions.md D35). CSP_REPORT_ONLY=1 sends the same policy as
# Content-Security-Policy-Report-Only: browsers report violations (to /csp-report, logged) and block nothing.
# (No setting named CSP_REPORT_ONLY: django-csp's system check takes that name for its old settings format.)
_csp_report_only = env.bool("CSP_REPORT_ONLY", default=False)
_csp = {"DIRECTIVES": csp_policy(site_url=SITE_URL, media_url=MEDIA_URL)}
CONTENT_SECURITY_POLICY = None if _csp_report_only else _csp
CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp if _csp_report_only else None
