"""Complete, production-safe settings. Everything environment-specific comes from env variables,
documented once in .env.example; dev.py and test.py only relax what they must."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.settings.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Demo mode enables the printed demo accounts' helpers (demo_totp). Never on in production.
DEMO_MODE = env_bool("DEMO_MODE", False)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal.apps.ConsoleAdminConfig",  # django.contrib.admin with the console site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "portal",
    "diagnosis",
    "providers",
    "subsidies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.RememberSecondFactorMiddleware",  # before OTPMiddleware (a revoked device ends the session)
    "django_otp.middleware.OTPMiddleware",
    "portal.history.HistoryContextMiddleware",
    "portal.middleware.RejectNulBytesMiddleware",
    "portal.middleware.SessionLifetimeMiddleware",
    "portal.middleware.RequireTwoFactorMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
    "portal.middleware.AuditDeniedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last, as its docs require, so it sees the final authentication result.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "portal.User"

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
                "portal.context_processors.portal",
                "providers.pools.context_processors.pools",
                "subsidies.context_processors.subsidies",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# Without DATABASE_URL the portal runs on a local SQLite file (the `make run` default).
DATABASES = {
    "default": env_database()
    or {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "var" / "db.sqlite3"}
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("DB_CONN_MAX_AGE", 60, minimum=0))
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
# SQLite (the embedded default): readers never wait for the writer (WAL), a transaction takes the
# write lock when it begins rather than failing with "database is locked" when a read inside it
# turns into a write (IMMEDIATE), and a writer waits for the lock instead of failing (timeout, s).
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # survive a database restart with persistent conns
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (axes, throttling). Redis when configured so limits hold across workers. ------------
# Without CACHE_URL, a Redis broker's server is used (keys are prefixed, so they never meet the
# broker's): counters in one process's memory would let each worker grant its own quota.
REDIS_CACHE_URL = env_url("CACHE_URL", schemes=("redis", "rediss"))
if REDIS_CACHE_URL is None:
    _broker = env_url("CELERY_BROKER_URL", schemes=("redis", "rediss", "amqp", "memory"))
    if _broker and _broker.startswith(("redis://", "rediss://")):
        REDIS_CACHE_URL = _broker
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL,
         "KEY_PREFIX": "dxcache"}
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Authentication, passwords, sessions (docs/security.md R1–R4) -----------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "portal.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # 等保 asks for complexity; ASVS advises against it for everyone, so privileged roles only.
    {"NAME": "portal.passwords.PrivilegedComplexityValidator"},
]
PASSWORD_MAX_AGE_PRIVILEGED = timedelta(days=env_int("PASSWORD_MAX_AGE_DAYS", 90, minimum=1))
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)  # idle timeout
SESSION_SAVE_EVERY_REQUEST = True  # every request pushes the idle deadline forward
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600, minimum=60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_NAME = "dxportal_session"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]  # offices sit behind NAT: never lock a whole IP
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AXES_VERBOSE = False
# Masked in the attempt rows the security administrator reads: codes and CSRF tokens too.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]

OTP_TOTP_ISSUER = "数字化转型诊断服务平台"
OTP_TOTP_THROTTLE_FACTOR = 1
# Defence in depth: should django-otp's own device admin ever be registered again, it shows no secret.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Encryption at rest (docs/security.md R26, portal/crypto.py) ---------------------------------
# Fernet keys, comma-separated: the first encrypts, all decrypt (rotation). Not required to start;
# storing an encrypted field without them fails, and `check --deploy` reports them missing.
FIELD_ENCRYPTION_KEYS = [k.strip() for k in (env_secret("FIELD_ENCRYPTION_KEYS") or "").split(",") if k.strip()]
# HMAC key of the blind indexes (equality checks on encrypted values); never rotated with the above.
FIELD_INDEX_KEY = env_secret("FIELD_INDEX_KEY") or ""

# --- Personal information (PIPL Art. 17, docs/security.md R27) -----------------------------------
# How a person reaches the controller (the bureau) about their personal data: free text shown with the
# privacy notice (/privacy/, registration, claim). Production must set it (`check --deploy` errors
# without it); development and demo fall back to a value that says it is a demo contact.
PRIVACY_CONTACT = env_str("PRIVACY_CONTACT", "").strip()
if not PRIVACY_CONTACT and (DEBUG or DEMO_MODE):
    PRIVACY_CONTACT = ("演示用联系方式（非真实，仅供演示）：龙华区工业和信息化局 数字化转型诊断服务专线 "
                       "0755-00000000，dx-demo@example.cn")

# --- Security headers ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # plain-HTTP load-balancer probes
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
# Both need every subdomain on HTTPS for good, so the operator opts in (README operations).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
ADMIN_URL = env_str("ADMIN_URL", "sys-console/").strip("/") + "/"
ADMIN_ALLOWED_IPS = env_list("ADMIN_ALLOWED_IPS", ["127.0.0.1", "::1"])

# --- i18n: Chinese first ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media (uploads live outside the web root; served through checked views) --------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Backups (portal/backup.py, `manage.py backup` / `restore`): where they are written and the key that
# encrypts them (BACKUP_KEY, or BACKUP_KEY_FILE naming a secret file). Without a key no backup is made.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
BACKUP_KEY = env_secret("BACKUP_KEY")
MEDIA_URL = None  # no public media URL: every file goes through a permission-checked view
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Evidence uploads (docs/security.md R16): per file, per question, per assessment, total quota.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_MAX_FILES_PER_ITEM = 5
EVIDENCE_MAX_FILES_PER_ASSESSMENT = 100
EVIDENCE_QUOTA_BYTES = 200 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first so anonymous API calls get 401 with WWW-Authenticate rather than a bare 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api_auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: DRF's own default is AllowAny.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "portal.api_schema.AutoSchema",  # documents the error answers
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"token": "10/min"},
    # The client address is REMOTE_ADDR unless trusted proxies are declared: a client-supplied
    # X-Forwarded-For must never pick its own throttle bucket.
    "NUM_PROXIES": AXES_IPWARE_PROXY_COUNT,
    "EXCEPTION_HANDLER": "portal.api_auth.exception_handler",
}
API_TOKEN_TTL = timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 12, minimum=1))
SPECTACULAR_SETTINGS = {
    "TITLE": "数字化转型诊断服务平台 API",
    "DESCRIPTION": "Manufacturing digital-transformation diagnosis portal — REST API v1.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "AssessmentStatusEnum": "diagnosis.models.Assessment.Status",
        "OrgStatusEnum": "portal.models.OrgStatus",
        # Report rows (the diagnosis report and the regional analysis report share the job states).
        "ReportStatusEnum": "diagnosis.models.Report.Status",
        # The "decision" fields of the decision endpoints, one name per choice set.
        "ApproveRejectDecisionEnum": ["approve", "reject"],
        "VerifyRejectDecisionEnum": ["verify", "reject"],
        "ConfirmDeclineDecisionEnum": ["confirm", "decline"],
    },
}

# --- Celery (docs/architecture.md, Background jobs; docs/security.md R34) --------------------------
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", schemes=("redis", "rediss", "amqp", "memory"))
# Without a broker, tasks run in-process so `make run` needs no Redis.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None  # tasks report through their tracking rows, not a result store
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
# A report render's lease outlives the hard limit by this margin; a delivery that finds a live
# lease comes back when it expires, so the whole lease must stay below the visibility timeout or
# Redis would redeliver the waiting message over and over (docs/security.md R34).
REPORT_LEASE_MARGIN_SECONDS = env_int("REPORT_LEASE_MARGIN_SECONDS", 60, minimum=1)
if not (CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT
        < CELERY_TASK_TIME_LIMIT + REPORT_LEASE_MARGIN_SECONDS < CELERY_VISIBILITY_TIMEOUT):
    raise ImproperlyConfigured(
        "Celery limits must satisfy CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT and "
        "CELERY_TASK_TIME_LIMIT + REPORT_LEASE_MARGIN_SECONDS < CELERY_VISIBILITY_TIMEOUT"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"diagnosis.tasks.report_*": {"queue": "reports"}}
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_KB", 512_000, minimum=10_000)
# The job sweeper (portal/jobs.py) re-enqueues what a broker outage or a killed worker lost: rows
# whose publish failed, and running rows whose lease expired. So a dead worker's report comes back
# within a sweep interval of its lease expiring, not after the visibility timeout.
JOB_SWEEP_INTERVAL_SECONDS = env_int("JOB_SWEEP_INTERVAL_SECONDS", 60, minimum=5)
JOB_SWEEP_BATCH = 500  # rows queued per sweep at most; the next sweep takes the rest
# Without a broker (eager mode) a report PDF would render inside the request that asked for it
# (seconds of a blocked page): with this on, it renders in the process's one background thread
# instead and the page polls the report row (portal/jobs.py). Ignored when a broker is configured.
# Off here (a deployment has a broker and workers), on in the `make run` default (dev settings),
# off in tests, which turn it on where they test it.
REPORTS_IN_BACKGROUND_THREAD = env_bool("REPORTS_IN_BACKGROUND_THREAD", False)
CELERY_BEAT_SCHEDULE = {
    "disable-stale-accounts": {"task": "portal.tasks.disable_stale_accounts", "schedule": 24 * 3600},
    "clear-sessions": {"task": "portal.tasks.clear_expired_sessions", "schedule": 24 * 3600},
    # Deletion requests and the retention rules of the data classification registry (PIPL, R28/R30).
    "privacy-nightly": {"task": "portal.tasks.privacy_nightly", "schedule": 24 * 3600},
    # A sweep that waited longer than an interval for a worker is dropped: the next one does its work.
    "sweep-jobs": {"task": "portal.tasks.sweep_jobs", "schedule": JOB_SWEEP_INTERVAL_SECONDS,
                   "options": {"expires": JOB_SWEEP_INTERVAL_SECONDS}},
    # Campaign reminders before the deadline; idempotent per target and day, so hourly is safe.
    "campaign-reminders": {"task": "diagnosis.tasks.campaign_reminders", "schedule": 3600,
                           "options": {"expires": 3600}},
    # Pool memberships past their validity → expired; certificate reminders 30 days ahead (idempotent).
    "expire-pool-memberships": {"task": "providers.pools.tasks.expire_memberships", "schedule": 24 * 3600},
}

# --- E-mail and logging -------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@dx-portal.example.cn")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint narrates every layout step at INFO; workers only need its warnings.
    "loggers": {"weasyprint": {"level": "WARNING"}},
}

PORTAL_NAME = _("Digital Transformation Diagnosis Portal")
SILENCED_SYSTEM_CHECKS = [
    "axes.W006",  # lockout keyed on username by design; per-IP limits live in the proxy
    # The HSTS preload list is keyed on the registrable domain (a bureau's gov.cn subdomain), which
    # its DNS owner submits; a portal host cannot opt in for it. SECURE_HSTS_PRELOAD stays available.
    "security.W021",
]
