"""Settings for the Guangdong green-manufacturing portal.

Every setting that differs between a developer's laptop and production is read here, once, from the
environment, with a default that runs locally:

    DJANGO_DEBUG            "1" for debug pages (default "0"; `make run` sets it)
    DJANGO_SECRET_KEY       required when DJANGO_DEBUG is off and DJANGO_PRODUCTION is on
    DJANGO_PRODUCTION       "1" turns on HTTPS-only cookies, HSTS and the deployment checklist settings
    DJANGO_ALLOWED_HOSTS    comma-separated host names (default: localhost names)
    DJANGO_TRUSTED_PROXIES  how many reverse proxies stand in front of the app (default 0; see greenmfg/client_ip.py)
    REDIS_CACHE_URL         the shared cache for rate limits and the login throttle (required in production)
    DATABASE_URL            e.g. postgres://postgres@127.0.0.1:5432/greenmfg (default: SQLite file)
    CELERY_BROKER_URL       e.g. redis://127.0.0.1:6379/0 (default: none, tasks run in-process)
    EMAIL_URL-style values  EMAIL_HOST / EMAIL_PORT / DEFAULT_FROM_EMAIL (default: console backend)
    PORTAL_BASE_URL         the portal's public address, e.g. https://green.gdii.gov.cn; every green-code
                            verification link and QR code is built from it (default http://127.0.0.1:8000;
                            required when DJANGO_PRODUCTION is on: `manage.py check --deploy` reports it)
    GREENCODE_SIGNING_KEY_DIR   where the province's green-code signing keys live (default var/signing-keys;
                            required when DJANGO_PRODUCTION is on). Back it up: its keys.json is what lets
                            every printed code verify.
    GREENCODE_SIGNING_KEY_PASSPHRASE  optional: encrypts the private keys in that directory
    GREENCODE_API_RATE      institutions' API requests per minute per API key (default 120)
    GREENCODE_METHOD_VERSION  the green-code method of new runs: v1.1 (default) or v1
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("DJANGO_DEBUG")
PRODUCTION = env_flag("DJANGO_PRODUCTION")

_DEV_SECRET = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = env("DJANGO_SECRET_KEY", _DEV_SECRET)
if PRODUCTION and SECRET_KEY == _DEV_SECRET:
    raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_PRODUCTION=1")

ALLOWED_HOSTS = [h.strip() for h in env("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("DJANGO_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "bootstrap",
    "axes",
    "greenmfg",
    "csp",
    "registry",
    "reviews",
    "greencode",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "greenmfg.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "greenmfg.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "greenmfg.urls"

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
                "registry.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "greenmfg.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the embedded default; wait for a writer instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The test database is a file (one per test process), not memory, so that the fault tests can let a
    # second process or thread work on the same data, as a real worker would.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"greenmfg-test-{os.getpid()}.sqlite3"),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The client's address: how many reverse proxies (each appending to X-Forwarded-For) stand in front of the app.
# The lockout, the login throttle, the rate limits and the logs all resolve it the same way.
TRUSTED_PROXIES = int(env("DJANGO_TRUSTED_PROXIES", "0"))

# Login throttling, two layers:
# - five failures for one user name from one address lock that pair for 30 minutes (django-axes);
# - failures for one user name from anywhere slow further attempts down (a growing wait, never a lock), except
#   from a browser the person has logged in with before (registry/accounts.py).
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_flag("AXES_ENABLED", True)
AXES_CLIENT_IP_CALLABLE = "greenmfg.client_ip.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed log-in, with address and browser, in the admin
LOGIN_USER_FREE_FAILURES = int(env("LOGIN_USER_FREE_FAILURES", "5"))  # per user name, within a day
LOGIN_USER_DELAY_SECONDS = int(env("LOGIN_USER_DELAY_SECONDS", "30"))  # the first wait; doubles per failure
LOGIN_USER_MAX_DELAY_SECONDS = int(env("LOGIN_USER_MAX_DELAY_SECONDS", "900"))

SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "zh-hans"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))


def evidence_storage(environ=os.environ) -> dict:
    """The "evidence" storage: files under MEDIA_ROOT/evidence/ (one app host), or an S3-compatible bucket shared by every app
    host when EVIDENCE_S3_BUCKET is set (MinIO in the data centre, or any S3-compatible object store). The
    credentials come from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), never from the repository.
    Files are always streamed through the portal (access checked on every download), never linked directly."""
    bucket = environ.get("EVIDENCE_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"base_url": None,
                            "file_permissions_mode": 0o640, "directory_permissions_mode": 0o750}}
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": bucket,
        "endpoint_url": environ.get("EVIDENCE_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("EVIDENCE_S3_REGION") or None,
        "location": environ.get("EVIDENCE_S3_PREFIX", ""),
        "default_acl": None, "querystring_auth": True, "file_overwrite": False,
        "addressing_style": environ.get("EVIDENCE_S3_ADDRESSING_STYLE", "path"),
        "object_parameters": {"ContentDisposition": "attachment"},
    }}


STORAGES["evidence"] = evidence_storage()
# Evidence files: PDF, OFD, JPG and PNG, recognised by their content (reviews/evidence.py).
EVIDENCE_MAX_MB = int(env("EVIDENCE_MAX_MB", "10"))  # one file; nginx's client_max_body_size must allow it
EVIDENCE_MAX_FILES_PER_ITEM = int(env("EVIDENCE_MAX_FILES_PER_ITEM", "10"))  # per change, flag, assessment …
EVIDENCE_MAX_FILES_PER_FILING = int(env("EVIDENCE_MAX_FILES_PER_FILING", "60"))  # every kind together
EVIDENCE_OFD_MAX_EXPANDED_MB = int(env("EVIDENCE_OFD_MAX_EXPANDED_MB", "100"))  # an OFD's parts, unpacked
EVIDENCE_OFD_MAX_RATIO = int(env("EVIDENCE_OFD_MAX_RATIO", "100"))  # expansion of one part: more is a zip bomb
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads: spreadsheets only, and small enough to validate in memory.
UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
UPLOAD_MAX_ROWS = int(env("UPLOAD_MAX_ROWS", "20000"))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
# An .xlsx is a zip of XML parts; a small file can expand enormously. Before openpyxl sees an upload, its
# parts are listed and it is refused beyond these caps (expanded sizes, in MB); it is then read by a child
# process with a memory cap and a time limit, so a runaway file never holds up a web worker
# (registry/spreadsheet_bounds.py).
UPLOAD_XLSX_PART_MB = int(env("UPLOAD_XLSX_PART_MB", "64"))  # one worksheet
UPLOAD_XLSX_TOTAL_MB = int(env("UPLOAD_XLSX_TOTAL_MB", "128"))  # all parts together
UPLOAD_XLSX_SHARED_STRINGS_MB = int(env("UPLOAD_XLSX_SHARED_STRINGS_MB", "16"))  # read whole by openpyxl
UPLOAD_XLSX_OTHER_PART_MB = int(env("UPLOAD_XLSX_OTHER_PART_MB", "8"))  # styles, workbook, relationships...
UPLOAD_XLSX_MAX_PARTS = int(env("UPLOAD_XLSX_MAX_PARTS", "500"))
UPLOAD_XLSX_MAX_SHEETS = int(env("UPLOAD_XLSX_MAX_SHEETS", "50"))
UPLOAD_PARSE_MEMORY_MB = int(env("UPLOAD_PARSE_MEMORY_MB", "280"))  # the reading process's address space
UPLOAD_PARSE_SECONDS = int(env("UPLOAD_PARSE_SECONDS", "20"))

# Each role's home page (a URL name). Higher apps point these at their dashboards.
ROLE_HOME_URLS = {
    "province": "reviews:province_dashboard",
    "city": "reviews:city_dashboard",
    "enterprise": "reviews:enterprise_home",
    # District reviewers: their district's first review (reviews.views_district).
    "district": "reviews:district_home",
}

# Demo data: the seed_demo command runs each of these in order. Apps add their own without importing
# one another, so the dependency direction greencode -> reviews -> registry holds.
DEMO_SEEDERS = [
    "registry.demo.seed",
    "reviews.demo.seed",
    "greencode.demo.seed",
]

# 基准值/引领值 shown on the city's review page: greencode owns them and registers its reader here, so reviews
# reads them without importing greencode. Each is `(industry_ids, codes) -> {(industry_id, code): (baseline, leading)}`.
REVIEW_BENCHMARK_PROVIDERS = [
    "greencode.services.benchmarks.benchmarks_for",
]

# Celery. With no broker configured, tasks run in-process through the very same code path.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "greenmfg")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# When the broker is down, publishing gives up within about a second instead of holding up the request;
# the periodic sweep re-queues whatever could not be sent.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE: dict = {
    # Deadline reminders (before and after each campaign deadline); idempotent, so a re-run sends nothing twice.
    "reviews-send-reminders": {"task": "reviews.send_reminders", "schedule": 6 * 3600.0},
    # Notifications that could not be sent (mail server or broker down) are tried again.
    "reviews-send-pending-mail": {"task": "reviews.send_pending_mail", "schedule": 600.0},
}

# The green-code sweep: re-queues any cohort with an accepted filing newer than its last finished run.
CELERY_BEAT_SCHEDULE["greencode-sweep"] = {"task": "greencode.sweep",
                                           "schedule": float(env("GREENCODE_SWEEP_SECONDS", "3600"))}

# Cache: in-process by default; REDIS_CACHE_URL (e.g. redis://127.0.0.1:6379/2) shares it between processes and
# hosts. The verification rate limits and the login throttle live in it, so production requires the shared one
# (`check --deploy` fails without it: greenmfg/checks.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "greenmfg"}}
if env("REDIS_CACHE_URL"):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_CACHE_URL")}
# Public green-code verification: requests per minute per client address, one budget for the page and the API;
# number look-ups that find nothing are counted apart, and more than GREENCODE_VERIFY_MISS_LIMIT of them within
# GREENCODE_VERIFY_MISS_WINDOW seconds pause that client's number look-ups (links and QR codes still work).
GREENCODE_VERIFY_RATE = int(env("GREENCODE_VERIFY_RATE", "30"))
GREENCODE_VERIFY_MISS_LIMIT = int(env("GREENCODE_VERIFY_MISS_LIMIT", "10"))
GREENCODE_VERIFY_MISS_WINDOW = int(env("GREENCODE_VERIFY_MISS_WINDOW", "600"))
# Institutions' API: requests per minute per API key (greencode.api_ratelimit).
GREENCODE_API_RATE = int(env("GREENCODE_API_RATE", "120"))
# The green-code method new runs use: v1.1 (a blank applicable indicator scores 0) or v1 (greencode.enums).
GREENCODE_METHOD_VERSION = env("GREENCODE_METHOD_VERSION", "v1.1")

# The portal's public address: verification links, QR codes and certificates are built from it, never from
# the request's Host header. Production has no default (greencode's deploy check says so).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", "" if PRODUCTION else "http://127.0.0.1:8000")
# The province's green-code signing keys (Ed25519): PEM files and the public keys.json, generated on first
# use; see greencode/services/keystore.py for why they live in a directory and not in the database.
GREENCODE_SIGNING_KEY_DIR = env("GREENCODE_SIGNING_KEY_DIR", "" if PRODUCTION else str(BASE_DIR / "var" / "signing-keys"))
GREENCODE_SIGNING_KEY_PASSPHRASE = env("GREENCODE_SIGNING_KEY_PASSPHRASE")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "greenmfg-noreply@localhost")

PORTAL_NAME = _("Guangdong Green Manufacturing Portal")

# Content-Security-Policy: our own scripts only (no inline script, no CDN); inline style attributes are
# allowed for progress bars and charts sized on the server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {"greenmfg": {"level": env("LOG_LEVEL", "INFO")}},
}
