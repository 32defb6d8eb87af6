"""Gongkai settings: one file, driven by the environment.

With no environment variables set, Gongkai runs on embedded parts: SQLite under var/ and
Celery's filesystem transport under var/broker/. DATABASE_URL and REDIS_URL switch to
PostgreSQL and Redis. Every variable is listed in the README.
"""

import datetime as _dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE as _NONCE
from csp.constants import NONE as _NONE
from csp.constants import SELF as _SELF
from csp.constants import UNSAFE_INLINE as _UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGKAI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "dev-insecure-gongkai-key-set-DJANGO_SECRET_KEY-in-production"
# Rotation: the new key in DJANGO_SECRET_KEY, the old ones here (comma-separated) until sessions,
# password-reset links and recovery codes made under them are no longer needed.
SECRET_KEY_FALLBACKS = [k.strip() for k in os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "disclosure",
    "reporting",
    "notifications",
    "documents",
    "public",
    "api",
    "captcha",  # django-simple-captcha: the public application form (GONGKAI_PUBLIC_CAPTCHA)
    "workspace",  # after disclosure: its ready() adds the 督办 filter to the request admin
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gongkai.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; BEGIN IMMEDIATE takes the write lock when a
    # transaction starts (a deferred one that reads first and writes later fails at once when another
    # writer got in between: "database is locked" with no wait); the busy timeout is how long a
    # writer waits for the lock. Long writers keep their transactions short (the ledger import
    # plans outside it), so a small office's web server, worker and beat share the file.
    _sqlite_timeout = float(os.environ.get("GONGKAI_SQLITE_TIMEOUT", "20"))
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": _sqlite_timeout,
        "init_command": (
            f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={int(_sqlite_timeout * 1000)};"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "disclosure.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]  # one date format (ISO) in every language

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))

LOGIN_URL = "admin:login"

# --- Celery ------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache holds the API throttles' counters: shared in Redis when there is one, so several web
# processes count together; otherwise a per-process memory cache. It fails open (config/cache.py):
# with Redis down a read is a miss, a logged warning, never an error. Login lockouts and sessions
# are kept in the database, so nothing that must survive lives in the cache.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gongkai-cache",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message taken by a worker that died unacknowledged (acks_late) goes to another worker after
    # this many seconds. Keep it above the longest task and notifications.tasks.RETRY_MAX_DELAY (1800).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("GONGKAI_BROKER_VISIBILITY_TIMEOUT", "3600")),
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "data_folder_processed": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A prefork child whose resident memory passed this many KiB after a task is replaced by a fresh
# one (a 140,000-row ledger import left a child at 1 GB); 0 turns the check off. The solo and
# threads pools ignore it.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(os.environ.get("GONGKAI_WORKER_MAX_MEMORY_KB", "524288")) or None
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# --- E-mail ------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "gongkai@localhost")

# --- SMS to applicants (notifications/sms/: a dotted path, like EMAIL_BACKEND) -----------------
GONGKAI_SMS_BACKEND = os.environ.get("GONGKAI_SMS_BACKEND", "notifications.sms.filebased.SmsBackend")
GONGKAI_SMS_FILE_PATH = os.environ.get("GONGKAI_SMS_FILE_PATH", str(VAR_DIR / "sms"))
# Key of the tracking codes' HMAC (disclosure/services/intake.py); empty: derived from SECRET_KEY.
# Set it in production so rotating DJANGO_SECRET_KEY does not make every tracking code unknown.
GONGKAI_TRACKING_KEY = os.environ.get("GONGKAI_TRACKING_KEY", "")

# --- Uploads -----------------------------------------------------------------------------
GONGKAI_ATTACHMENT_MAX_BYTES = int(os.environ.get("GONGKAI_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
# A ledger uploaded in the admin or the API: up to the inline limit (about 5,000 rows, a few seconds)
# imported within the request; larger, up to the upload limit (about 100,000 rows), by a worker with
# its progress on a page (disclosure/ledger/jobs.py). 10,000 rows are ~2 MB of CSV and take 5–12 s.
GONGKAI_LEDGER_INLINE_MAX_BYTES = int(os.environ.get("GONGKAI_LEDGER_INLINE_MAX_BYTES", str(1024 * 1024)))
GONGKAI_LEDGER_UPLOAD_MAX_BYTES = int(os.environ.get("GONGKAI_LEDGER_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
# Spreadsheets read from uploads (ledger, units, staff, submitted annual reports): an XLSX whose parts
# declare more than this uncompressed is refused before openpyxl reads it (a part compressed more than
# 100:1 always is); at most this many rows; no cell longer than this (Excel's own limit). The
# management commands read the operator's own files: no cap on rows or total size there.
GONGKAI_XLSX_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("GONGKAI_XLSX_MAX_UNCOMPRESSED_BYTES", str(256 * 1024 * 1024)))
GONGKAI_SHEET_MAX_ROWS = int(os.environ.get("GONGKAI_SHEET_MAX_ROWS", "200000"))
GONGKAI_CELL_MAX_CHARS = int(os.environ.get("GONGKAI_CELL_MAX_CHARS", "32767"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Rules that differ between provinces (statute.md §3, §6.3, §6.4) ----------------------
# Whether the time between a fee notice and payment pauses the reply clock (unverified, off).
GONGKAI_FEE_PAUSES_CLOCK = env_bool("GONGKAI_FEE_PAUSES_CLOCK", False)
# Working days before the reply deadline at which reminders go out.
GONGKAI_REMINDER_DAYS = [int(d) for d in env_list("GONGKAI_REMINDER_DAYS", "5,1")]
# Table 四 of the annual report: "default" (filed in the year, or earlier and undecided on 1 January)
# or "filed_in_year" (filed in the year only); the rule in force is printed under the table.
GONGKAI_TABLE4_RULE = os.environ.get("GONGKAI_TABLE4_RULE", "default")
# Table 三 rows of the configurable outcomes, e.g. "special_access=other,not_this_agency=unavailable.not_held"
# (defaults: special_access → refused.query_matter, not_this_agency → unavailable.not_held, withdrawn/other → （六）).
GONGKAI_OUTCOME_ROWS = os.environ.get("GONGKAI_OUTCOME_ROWS", "")
# Who decides what (a unit may override both): "adverse" — 法制审核 before the sign-off of every reply
# that refuses something (refused.*, partial, unavailable.*, not_processed.*, not_this_agency), the
# others may go to the head directly; "all" — every reply through 法制审核.
GONGKAI_LEGAL_REVIEW = os.environ.get("GONGKAI_LEGAL_REVIEW", "adverse")
# 岗位分离: the one who registered a request does not accept it; the one who drafted a reply does not
# approve it in legal review. Off for a one-person office.
GONGKAI_SEPARATE_DUTIES = env_bool("GONGKAI_SEPARATE_DUTIES", True)

# --- Documents (文书) -------------------------------------------------------------------------
# Seconds LibreOffice may take to turn one DOCX into PDF before it is killed (documents/pdf.py).
GONGKAI_PDF_TIMEOUT = int(os.environ.get("GONGKAI_PDF_TIMEOUT", "60"))

# --- Alerts (notifications app) -------------------------------------------------------------
# Base URL for links in e-mails and group-robot messages, e.g. https://gongkai.example.gov.cn
GONGKAI_SITE_URL = os.environ.get("GONGKAI_SITE_URL", "http://localhost:8000").rstrip("/")
# Seconds a webhook/SMTP call may take; a claim older than GONGKAI_ALERT_STALE_SECONDS is taken
# to belong to a dead worker and is sent again (keep it well above the timeouts).
GONGKAI_WEBHOOK_TIMEOUT = float(os.environ.get("GONGKAI_WEBHOOK_TIMEOUT", "5"))
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
GONGKAI_ALERT_STALE_SECONDS = int(os.environ.get("GONGKAI_ALERT_STALE_SECONDS", "600"))
# An alert still not handed to the broker this many seconds after it was made (the broker was down
# at the time) is published by the requeue task beat runs every minute (notifications.tasks.requeue_unsent).
GONGKAI_ALERT_REQUEUE_SECONDS = int(os.environ.get("GONGKAI_ALERT_REQUEUE_SECONDS", "30"))
# Test only: seconds every send sleeps before delivering (the worker kill test uses it).
GONGKAI_ALERT_SEND_DELAY = float(os.environ.get("GONGKAI_ALERT_SEND_DELAY", "0"))
# The daily sweep reads and writes this many rows per transaction; tests only: seconds it sleeps
# after each batch (the fault tests interrupt a sweep in the middle).
GONGKAI_SWEEP_BATCH_SIZE = int(os.environ.get("GONGKAI_SWEEP_BATCH_SIZE", "500"))
GONGKAI_SWEEP_BATCH_DELAY = float(os.environ.get("GONGKAI_SWEEP_BATCH_DELAY", "0"))

REST_FRAMEWORK = {
    # The token class first: its WWW-Authenticate header makes unauthenticated calls 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiUserThrottle", "api.throttling.ApiAnonThrottle"],
    # JSON only: interactive use is the Swagger UI at /api/docs/, not DRF's HTML pages.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
}
# API throttle rates (DRF syntax "N/second|minute|hour|day"); the token endpoint is per address.
GONGKAI_API_RATE_USER = os.environ.get("GONGKAI_API_RATE_USER", "1200/minute")
GONGKAI_API_RATE_ANON = os.environ.get("GONGKAI_API_RATE_ANON", "60/minute")
GONGKAI_API_RATE_TOKEN = os.environ.get("GONGKAI_API_RATE_TOKEN", "10/minute")
# Lifetime of an API token obtained from /api/v1/auth/token/ (days).
GONGKAI_API_TOKEN_DAYS = int(os.environ.get("GONGKAI_API_TOKEN_DAYS", "90"))

# The applicants' side (spec/portal.md): per-address throttles on public lookups and submissions
# (HTML pages and /api/public/v1/ share the counters, kept in the cache — Redis in production), the
# CAPTCHA on the form, and the keys of platforms allowed to forward applications as JSON while the
# CAPTCHA is on (X-Api-Key; comma-separated).
GONGKAI_PUBLIC_RATE_LOOKUP = os.environ.get("GONGKAI_PUBLIC_RATE_LOOKUP", "20/minute")
GONGKAI_PUBLIC_RATE_SUBMIT = os.environ.get("GONGKAI_PUBLIC_RATE_SUBMIT", "10/hour")
GONGKAI_PUBLIC_CAPTCHA = env_bool("GONGKAI_PUBLIC_CAPTCHA", True)
GONGKAI_PUBLIC_API_KEYS = env_list("GONGKAI_PUBLIC_API_KEYS")
CAPTCHA_IMAGE_SIZE = (120, 44)
CAPTCHA_FONT_SIZE = 30
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 10  # minutes

SPECTACULAR_SETTINGS = {
    "TITLE": "Gongkai API",
    "DESCRIPTION": "政府信息公开申请办理系统 API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # the enum components as by default, then OpenAPI links between operations on one object
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_links"],
    "ENUM_NAME_OVERRIDES": {
        "OutcomeEnum": "disclosure.workflow.Outcome",
        "ReplyOutcomeEnum": "api.serializers.REPLY_OUTCOMES",
        "UnitKindEnum": "disclosure.models.Unit.Kind",
        "ConsultationKindEnum": "disclosure.models.Consultation.Kind",
        "ProceedingOutcomeEnum": "disclosure.models.ProceedingOutcome",
        "ImportKindEnum": "disclosure.models.ImportKind",
        "RequestStatusEnum": "disclosure.workflow.Status",
        "LedgerImportStatusEnum": "disclosure.models.LedgerImport.Status",
        "LedgerImportPhaseEnum": "disclosure.models.LedgerImport.Phase",
        "FeeMethodEnum": "disclosure.models.FeeMethod",
        "ProvisionFormEnum": "disclosure.models.ProvisionForm",
        "PublicProvisionFormEnum": "public.forms.PROVISION_FORMS",
        "DeliveryMethodEnum": "disclosure.models.DeliveryMethod",
    },
}

# Every handler is declared here, so each gets the ID-number mask (the end of this file): Django's
# own defaults (the debug console on "django", runserver's "django.server" access log) would keep
# their unfiltered handlers, so both loggers are redefined onto masked ones. Gunicorn's access and
# error logs are masked by config/gunicorn.py, the Celery worker's by security/apps.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "level": "INFO"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {
        # Django's debug console (INFO in debug mode) is the root's masked console.
        "django": {"handlers": [], "propagate": True, **({"level": "INFO"} if DEBUG else {})},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# =========================================================================================
# --- Security (PIPL field encryption, login, 2FA, CSP, production switches) ---------------
# Production: DJANGO_SECURE=1 with DJANGO_SECRET_KEY, GONGKAI_FIELD_KEY, DJANGO_ALLOWED_HOSTS
# (and GONGKAI_TRUSTED_PROXIES behind a reverse proxy). README "Security" lists every variable.
# =========================================================================================
INSTALLED_APPS += [
    "security.apps.AxesConfig", "django_otp", "security.apps.TOTPConfig", "security.apps.StaticConfig", "csp",
    "security",
]

# Encryption at rest of ID numbers and contacts: comma-separated Fernet keys, the first encrypts,
# all decrypt (rotation: put the new key first, run `manage.py reencrypt_fields`, drop the old).
# Unset: a key derived from SECRET_KEY is used — development only (`check --deploy` warns).
GONGKAI_FIELD_KEYS = env_list("GONGKAI_FIELD_KEY")
# The blind index of ID numbers (the same applicant across requests, 国办函〔2020〕109号): an HMAC key.
# Unset: derived from SECRET_KEY (development only). After changing it run `manage.py rebuild_blind_index`.
GONGKAI_BLIND_INDEX_KEY = os.environ.get("GONGKAI_BLIND_INDEX_KEY", "")

# Middleware: OTP after authentication, then 2FA enforcement and the audit flush; axes last.
_auth_index = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_auth_index:_auth_index] = [
    "django_otp.middleware.OTPMiddleware",
    "security.middleware.SecondFactorMiddleware",
    "security.middleware.AuditMiddleware",
]
MIDDLEWARE.insert(1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # must come first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]

# Passwords: at least 10 characters plus Django's similarity / common / numeric validators.
GONGKAI_PASSWORD_MIN_LENGTH = int(os.environ.get("GONGKAI_PASSWORD_MIN_LENGTH", "10"))
for _validator in AUTH_PASSWORD_VALIDATORS:
    if _validator["NAME"].endswith("MinimumLengthValidator"):
        _validator["OPTIONS"] = {"min_length": GONGKAI_PASSWORD_MIN_LENGTH}

# Lockout (django-axes): after N failures for the same username from the same address.
AXES_ENABLED = env_bool("GONGKAI_AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("GONGKAI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = _dt.timedelta(minutes=int(os.environ.get("GONGKAI_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
AXES_VERBOSE = False
# Lockout state in the database, not the cache: a Redis outage neither lifts nor loses a lockout.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The client address (security/clientip.py): REMOTE_ADDR, or behind N trusted reverse proxies the
# address the outermost proxy saw, read from the right of X-Forwarded-For (what the client wrote is ignored).
GONGKAI_TRUSTED_PROXIES = int(os.environ.get("GONGKAI_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "security.clientip.client_ip"

# Sessions end after GONGKAI_SESSION_IDLE_SECONDS without a request (each request renews them);
# login rotates the session key (django.contrib.auth.login → cycle_key).
SESSION_COOKIE_AGE = int(os.environ.get("GONGKAI_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"  # never the cache: a Redis outage signs nobody out
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Password reset by e-mail (/admin/password_reset/, security/password_reset.py): mails per address and
# per client address an hour, and how long a link stays valid.
GONGKAI_PASSWORD_RESET_PER_HOUR = int(os.environ.get("GONGKAI_PASSWORD_RESET_PER_HOUR", "3"))
GONGKAI_PASSWORD_RESET_PER_IP_PER_HOUR = int(os.environ.get("GONGKAI_PASSWORD_RESET_PER_IP_PER_HOUR", "20"))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("GONGKAI_PASSWORD_RESET_HOURS", "2")) * 3600

# Second factor (TOTP) for administrators and heads; tests of other features switch it off.
GONGKAI_REQUIRE_2FA = env_bool("GONGKAI_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = os.environ.get("GONGKAI_OTP_ISSUER", "Gongkai")

# Headers on every response.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: scripts only from this site (or with the page's nonce). Styles allow
# 'unsafe-inline' — a compromise: the admin and Swagger UI set style attributes and the report /
# admin templates carry <style> blocks; inline styles cannot run code. Swagger UI's inline start-up
# script carries the nonce (templates/drf_spectacular/swagger_ui.html); ReDoc needs blob: workers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF, _NONCE],
        "style-src": [_SELF, _UNSAFE_INLINE],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF, "data:"],
        "connect-src": [_SELF],
        "worker-src": [_SELF, "blob:"],
        "object-src": [_NONE],
        "base-uri": [_SELF],
        "form-action": [_SELF],
        "frame-ancestors": [_NONE],
    }
}

# Production switches (DJANGO_SECURE=1): HTTPS only, secure cookies, HSTS.
GONGKAI_SECURE = env_bool("DJANGO_SECURE", False)
if GONGKAI_SECURE:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health/"]  # probes come over plain HTTP from the host itself
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if GONGKAI_TRUSTED_PROXIES > 0:
        # the proxy terminates TLS and says so; it must strip this header from client requests
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Every line carries the request id (config/requestid.py; "-" outside a request). GONGKAI_LOG_FORMAT=json
# writes one JSON object per line (python-json-logger) for a log collector: time, level, logger,
# message, request_id, and the exception when there is one; the default stays plain text as before.
MIDDLEWARE.insert(0, "config.requestid.RequestIdMiddleware")
GONGKAI_LOG_FORMAT = os.environ.get("GONGKAI_LOG_FORMAT", "text").strip().lower()
LOGGING.setdefault("filters", {})["request_id"] = {"()": "config.requestid.RequestIdFilter"}
LOGGING["formatters"]["json"] = {
    "()": "security.logfilter.MaskingJsonFormatter",
    "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", []).append("request_id")
    if GONGKAI_LOG_FORMAT == "json":
        _handler["formatter"] = "json"

# Logs never carry an unmasked resident ID number.
LOGGING.setdefault("filters", {})["mask_id_numbers"] = {"()": "security.logfilter.MaskIdNumbers"}
for _handler in LOGGING["handlers"].values():
    _handler.setdefault("filters", []).append("mask_id_numbers")
