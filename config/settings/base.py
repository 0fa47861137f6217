"""SafeServe settings, read from the environment (see README.md, "Settings").

Defaults suit one machine with a SQLite file; production sets DEBUG=false, SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL at least. Every value that cannot be parsed stops start-up.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import django_stubs_ext
import structlog
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

# Lets generic classes such as ModelAdmin[Model] be subscripted at run time (typing only).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# --- Core -------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", False)
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-never-use-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")
# Personal numbers (ID numbers, phones) are encrypted at rest (common/lib/crypto.py): keys of
# 32+ characters, the newest first; a blind index keyed apart keeps exact look-ups working.
# Without them in production the system check safeserve.E001 stops every command that touches
# data and the WSGI application (config/wsgi.py); collectstatic needs no keys and runs.
if DEBUG:
    FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [f"development-field-{SECRET_KEY}"])
    BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY", f"development-blind-index-{SECRET_KEY}")
else:
    FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
    BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY", "")
# Signs the audit digests (audit/digests.py); without it they are signed from SECRET_KEY.
SIGNING_KEY = env_str("SIGNING_KEY", "")
# An RFC 3161 time-stamping service for document signatures (documents/signing.py); without
# one, the county's own time-stamping unit (its CA issues it) stamps them.
SIGNING_TSA_URL = env_str("SIGNING_TSA_URL", "")
# Root certificates (PEM files) of the licensed CAs (电子认证服务机构) whose certificates experts
# and providers may upload as PKCS#12 to sign with instead of the county CA's.
SIGNING_TRUSTED_CAS = env_list("SIGNING_TRUSTED_CAS", [])
# With SIGNING_TSA_URL: the root certificate(s) of that service, PEM files (the validation
# data a document's last signature embeds must vouch for its time-stamps).
SIGNING_TSA_CAS = env_list("SIGNING_TSA_CAS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # The chain, in dependency order (DESIGN.md §3): later apps may import earlier ones.
    "safeserve.common",
    "safeserve.audit",
    "safeserve.api",
    "safeserve.organizations",
    "safeserve.accounts",
    "safeserve.notifications",
    "safeserve.enterprises",
    "safeserve.providers",
    "safeserve.procurement",
    "safeserve.contracts",
    "safeserve.fieldwork",
    "safeserve.hazards",
    "safeserve.documents",
    "safeserve.evaluations",
    "safeserve.supervision",
    "safeserve.operations",
    # The demo world (manage.py seed_demo): above everything, nothing imports it.
    "safeserve.demo",
]

MIDDLEWARE = [
    # Metrics and the request log see every request, redirects to HTTPS included.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "safeserve.operations.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safeserve.common.middleware.ReplicaStickinessMiddleware",
    "safeserve.common.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safeserve.common.middleware.RequestContextMiddleware",
    "safeserve.accounts.middleware.SessionLifetimeMiddleware",
    "safeserve.accounts.middleware.PasswordChangeRequiredMiddleware",
    "safeserve.accounts.middleware.SecondFactorRequiredMiddleware",
    "safeserve.accounts.middleware.DeniedAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last: it turns a locked-out authentication into the lockout response.
    "axes.middleware.AxesMiddleware",
    "safeserve.operations.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "safeserve.supervision.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend with a flush the audit retention trigger allows (common/db/sqlite3).
    DATABASES["default"]["ENGINE"] = "safeserve.common.db.sqlite3"
    # WAL lets the task worker read while the web process writes; IMMEDIATE transactions
    # take the write lock up front so concurrent transitions queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }
# A read replica (streaming replication of the same database): lists, the home page's
# figures and exports read from it, writes and reads for a write stay on the primary
# (safeserve/common/db/routers.py); after writing, a browser reads the primary for
# REPLICA_STICKY_SECONDS so the next page shows what it did.
READ_REPLICA = bool(env_str("DATABASE_REPLICA_URL", ""))
if READ_REPLICA:
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["safeserve.common.db.routers.ReplicaRouter"]
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 10, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication and sessions --------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "safeserve.accounts.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "safeserve.accounts.passwords.CharacterClassValidator"},
    {"NAME": "safeserve.accounts.passwords.RepeatedRunValidator"},
]

# Second factor (TOTP, django-otp): the issuer authenticator apps show, and how long a
# browser may skip the code after "remember this device".
OTP_TOTP_ISSUER = "安服通 SafeServe"
OTP_REMEMBER_HOURS = 12

# Idle timeout is enforced by SessionLifetimeMiddleware (renewed on activity); the cookie
# itself never outlives the absolute limit.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_MINUTES", 30, minimum=1))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
API_TOKEN_TTL = timedelta(hours=env_int("API_TOKEN_HOURS", 12, minimum=1))

# Lockout by account (a township office shares one address), counted on the login page and
# the API token endpoint alike.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # our own LoginLog records every attempt
AXES_LOCKOUT_CALLABLE = "safeserve.accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "safeserve.common.lib.http.client_ip"
AXES_VERBOSE = False
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "build" / "collected")))
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", BASE_DIR / "build" / "vendor")]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploads on the local disk by default; on S3-compatible object storage (MinIO on a county
# intranet) when S3_BUCKET is set, so several app servers share them. Files are never public:
# every download goes through a view that checks scope, which reads them from the storage.
S3_BUCKET = env_str("S3_BUCKET", "")
if S3_BUCKET:
    _default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("S3_ACCESS_KEY", "") or None,
            "secret_key": env_str("S3_SECRET_KEY", "") or None,
            "region_name": env_str("S3_REGION", "") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Background tasks -------------------------------------------------------------------
# django-tasks with its database backend: `manage.py db_worker` runs them (make demo starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Open Contracting Data Standard (supervision/ocds.py): the prefix registered with the Open
# Contracting Partnership (ocid = prefix-project id), who publishes, and the policy's address.
OCDS_PREFIX = env_str("OCDS_PREFIX", "ocds-xxxxxx")
OCDS_PUBLISHER = env_str("OCDS_PUBLISHER", "SafeServe")
OCDS_POLICY_URL = env_str("OCDS_POLICY_URL", "")
# How long a list export written in the background stays downloadable (run_daily deletes it).
EXPORT_KEEP_DAYS = env_int("EXPORT_KEEP_DAYS", 7, minimum=1)

# --- Uploads ----------------------------------------------------------------------------
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 10, minimum=1) * 1024 * 1024
# A spreadsheet is a zip: bound what it may unpack to (zip bombs) and how many parts it has.
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_MB", 200, minimum=1) * 1024 * 1024
IMPORT_MAX_ZIP_ENTRIES = 2000
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 50000, minimum=1)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email ------------------------------------------------------------------------------
_email = dj_database_url.urlparse.urlparse(env_str("EMAIL_URL", "console://"))
if _email.scheme == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif _email.scheme in {"smtp", "smtps", "submission"}:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or {"smtp": 25, "smtps": 465, "submission": 587}[_email.scheme]
    EMAIL_HOST_USER = dj_database_url.urlparse.unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = dj_database_url.urlparse.unquote(_email.password or "")
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _email.scheme == "submission"
else:
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {_email.scheme!r} is not supported (console, smtp, smtps, submission)."
    )
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "safeserve@localhost")
EMAIL_TIMEOUT = 30  # seconds: a hung mail server fails the message, which is retried later
# How long notifications are kept (run_daily deletes older ones).
NOTIFICATION_KEEP_DAYS = env_int("NOTIFICATION_KEEP_DAYS", 365, minimum=30)
# Where people open the system: the links in notification emails start with it.
SITE_URL = env_str("SITE_URL", "http://localhost:8000")

# --- Security headers -------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Bootstrap and Tom Select position elements with inline style attributes.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    # Lockout is by account on purpose: a township office shares one public address, so
    # locking by address would lock out the whole office.
    "axes.W006",
    # The open-hazard indexes carry found_at as a covering column on PostgreSQL (the
    # dashboards' overdue-by-month reads the index alone); SQLite keeps the index without it.
    "models.W040",
]
if not env_bool("SECURE_HSTS_PRELOAD", False):
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "safeserve.accounts.authentication.TokenAuthentication",
        "safeserve.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "safeserve.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "safeserve.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "safeserve.api.parsing.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SafeServe (安服通) API",
    "DESCRIPTION": _("REST API over the same services as the web pages."),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "safeserve.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "HighRiskSectorEnum": "safeserve.common.choices.HighRiskSector",
        "OrganizationKindEnum": "safeserve.organizations.models.OrganizationKind",
        "RoleEnum": "safeserve.organizations.models.Role",
        "EnterpriseStatusEnum": "safeserve.enterprises.models.EnterpriseStatus",
        "ImportStatusEnum": "safeserve.common.choices.ImportStatus",
        "CertificateKindEnum": "safeserve.providers.models.CertificateKind",
        "QualificationTypeEnum": "safeserve.providers.models.QualificationType",
        "SpecialtyEnum": "safeserve.providers.models.Specialty",
        "EmployerChangeStatusEnum": "safeserve.providers.models.EmployerChangeStatus",
        "PlanStatusEnum": "safeserve.procurement.models.PlanStatus",
        "ProjectStatusEnum": "safeserve.procurement.models.ProjectStatus",
        "ContractStatusEnum": "safeserve.contracts.models.ContractStatus",
        "AmendmentStatusEnum": "safeserve.contracts.models.AmendmentStatus",
        "TaskKindEnum": "safeserve.fieldwork.models.TaskKind",
        "TaskStatusEnum": "safeserve.fieldwork.models.TaskStatus",
        "DocumentRequestKindEnum": "safeserve.fieldwork.models.DocumentRequestKind",
        "DocumentRequestStatusEnum": "safeserve.fieldwork.models.DocumentRequestStatus",
        "FeeComplaintStatusEnum": "safeserve.fieldwork.models.FeeComplaintStatus",
        "HazardLevelEnum": "safeserve.hazards.models.HazardLevel",
        "EvaluationStatusEnum": "safeserve.evaluations.models.EvaluationStatus",
        "SanctionStatusEnum": "safeserve.evaluations.models.SanctionStatus",
        "SubmissionStatusEnum": "safeserve.evaluations.models.SubmissionStatus",
        "HazardStatusEnum": "safeserve.hazards.models.HazardStatus",
        "ReportStatusEnum": "safeserve.hazards.models.ReportStatus",
        "ExtensionStatusEnum": "safeserve.hazards.models.ExtensionStatus",
        "SupervisionLevelEnum": "safeserve.hazards.models.SupervisionLevel",
        "TechnicalReportStatusEnum": "safeserve.documents.models.ReportStatus",
    },
}

# --- Operations -------------------------------------------------------------------------
# Backups (`manage.py backup`): where they go and how many are kept.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(BASE_DIR / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 14, minimum=1)
# /readyz fails when the oldest runnable background task has waited longer than this.
READY_MAX_TASK_LAG_SECONDS = env_int("READY_MAX_TASK_LAG_SECONDS", 300, minimum=1)
# Who may read /metrics (addresses or networks; the direct peer, never X-Forwarded-For).
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])

# --- Logging ----------------------------------------------------------------------------
# One line per event on stderr; JSON in production (LOG_FORMAT=json) for the log collector,
# readable text in development. structlog renders the standard library's records too, so
# Django's own messages come out in the same format.
LOG_FORMAT = env_str("LOG_FORMAT", "console" if DEBUG else "json")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or console, got {LOG_FORMAT!r}.")
_shared_processors: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
structlog.configure(
    processors=[
        *_shared_processors,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(ensure_ascii=False)
                if LOG_FORMAT == "json"
                else structlog.dev.ConsoleRenderer(colors=False),
            ],
            "foreign_pre_chain": _shared_processors,
        }
    },
    "filters": {"redact_paths": {"()": "safeserve.common.logfilters.RedactPaths"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "structured",
            "filters": ["redact_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # font subsetting and layout talk at INFO on every PDF
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "pyhanko": {"level": "WARNING"},
        # warns on every sealing that it fetches no revocation data: the county CA's list is
        # given to it (documents/signing.py LongTerm), so nothing needs fetching
        "pyhanko.sign.signers.pdf_signer": {"level": "ERROR"},
        # Every request already has its line from RequestLogMiddleware; Django's own request
        # logger would repeat each 403/404 (with a traceback). Server errors still log.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
