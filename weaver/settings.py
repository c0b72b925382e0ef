"""Weaver settings: one file, configured only from environment variables (see README)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from weaver.lib.env import env_bool, env_int, env_list, env_rate, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("WEAVER_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET = "django-insecure-dev-only-weaver-secret-key-not-for-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's host(s) when DJANGO_DEBUG=0")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

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
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_celery_results",
    "simple_history",
    "django_htmx",
    "template_partials",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "weaver",
    "accounts",
    "networks",
    "funds",
    "clusters",
    "surveys",
    "multiscale",
]

MIDDLEWARE = [
    "weaver.lib.middleware.ProbeMiddleware",
    "weaver.lib.middleware.UploadSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "weaver.lib.csp.CSPMiddleware",
    "weaver.lib.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "weaver.urls"
WSGI_APPLICATION = "weaver.wsgi.application"

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

# Unset DATABASE_URL means the embedded default: a SQLite file under var/.
DATABASES = {
    "default": dj_database_url.parse(
        env_url(
            "DATABASE_URL",
            f"sqlite:///{DATA_DIR / 'weaver.sqlite3'}",
            schemes=("postgres", "postgresql", "pgsql", "sqlite"),
            trim_slash=False,
        ),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "networks:network-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("WEAVER_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: spreadsheets are read in memory, so the cap is enforced before parsing.
WEAVER_MAX_UPLOAD_MB = env_int("WEAVER_MAX_UPLOAD_MB", 20, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = WEAVER_MAX_UPLOAD_MB * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Data rows (members plus ties) one import may hold; a worker plans it in memory (~6 KB a row).
WEAVER_IMPORT_MAX_ROWS = env_int("WEAVER_IMPORT_MAX_ROWS", 300_000, minimum=1)
# An import being checked or applied with no progress for this long is re-sent by the reconciler.
WEAVER_IMPORT_STALE_SECONDS = env_int("WEAVER_IMPORT_STALE_SECONDS", 300, minimum=0)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "weaver@localhost")
# Links in e-mails are absolute; tasks have no request to take the host from.
WEAVER_BASE_URL = env_url("WEAVER_BASE_URL", "http://127.0.0.1:8000")

# Security: production values follow from DEBUG=0, each overridable.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no inline
# code or style attributes. weaver.lib.csp loosens styles for the API's pages (third-party UIs) and
# allows the one inline <style> of the handbook by its hash. Report-only logs violations in the browser
# (and to WEAVER_CSP_REPORT_URI) without blocking anything: for trying a change of policy.
_csp = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws its form controls' arrows and ticks with data: SVG images.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        # The map's layout refinement runs in a Web Worker built from a blob: URL (graphology).
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
WEAVER_CSP_REPORT_URI = env_str("WEAVER_CSP_REPORT_URI")
if WEAVER_CSP_REPORT_URI:
    _csp["DIRECTIVES"]["report-uri"] = [WEAVER_CSP_REPORT_URI]
WEAVER_CSP_REPORT_ONLY = env_bool("WEAVER_CSP_REPORT_ONLY", False)
CONTENT_SECURITY_POLICY = None if WEAVER_CSP_REPORT_ONLY else _csp
CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp if WEAVER_CSP_REPORT_ONLY else None

# Celery. Unset CELERY_BROKER_URL means tasks run in-process (eager).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
if CELERY_BROKER_URL:
    env_url("CELERY_BROKER_URL", "", schemes=("redis", "rediss", "filesystem", "memory"), trim_slash=False)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = "django-db"
# App tasks are autodiscovered; the project-level ones are listed.
CELERY_IMPORTS = ["weaver.tasks"]
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660, minimum=1)
# The visibility timeout must outlast the hard limit, or Redis redelivers running tasks.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 900, minimum=1)
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "Need CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT"
    )
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    # kombu's filesystem transport lists these folders at startup and fails if they are missing.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Exchange bindings (beat, broadcast); kombu writes them to ./control unless told otherwise.
        "control_folder": str(_broker_dir / "control"),
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Edits within this window are gathered into one metrics computation.
WEAVER_SNAPSHOT_DEBOUNCE_SECONDS = env_int("WEAVER_SNAPSHOT_DEBOUNCE_SECONDS", 60, minimum=0)
# A running snapshot's worker touches its row this often; silent for WORKER_LOST seconds (and no longer
# holding the network's lock), it is taken for gone and the reconciler sends the snapshot again.
WEAVER_SNAPSHOT_HEARTBEAT_SECONDS = env_int("WEAVER_SNAPSHOT_HEARTBEAT_SECONDS", 10, minimum=1)
WEAVER_SNAPSHOT_WORKER_LOST_SECONDS = env_int("WEAVER_SNAPSHOT_WORKER_LOST_SECONDS", 60, minimum=2)
if WEAVER_SNAPSHOT_WORKER_LOST_SECONDS <= 2 * WEAVER_SNAPSHOT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "WEAVER_SNAPSHOT_WORKER_LOST_SECONDS must be more than twice WEAVER_SNAPSHOT_HEARTBEAT_SECONDS"
    )
# The most people one survey answer may name (per question): a guard against pasted or scripted lists.
WEAVER_SURVEY_MAX_CONTACTS = env_int("WEAVER_SURVEY_MAX_CONTACTS", 50, minimum=1)
CELERY_TIMEZONE = TIME_ZONE

# Django's cache: reads of done snapshots are rendered once and kept there (networks.cached_reads).
# Unset CACHE_URL means files under var/ (shared by every process of one machine); compose uses Redis.
CACHE_URL = env_url(
    "CACHE_URL",
    f"file://{DATA_DIR / 'cache'}",
    schemes=("redis", "rediss", "file", "locmem"),
    trim_slash=False,
)
_cache_scheme, _, _cache_where = CACHE_URL.partition("://")
CACHES = {
    "default": {
        "BACKEND": {
            "redis": "django.core.cache.backends.redis.RedisCache",
            "rediss": "django.core.cache.backends.redis.RedisCache",
            "file": "django.core.cache.backends.filebased.FileBasedCache",
            "locmem": "django.core.cache.backends.locmem.LocMemCache",
        }[_cache_scheme],
        "LOCATION": CACHE_URL if _cache_scheme.startswith("redis") else _cache_where,
        # Files and memory cull at this many entries; Redis evicts by its own maxmemory policy.
        "OPTIONS": {} if _cache_scheme.startswith("redis") else {"MAX_ENTRIES": 5000},
    }
}
# How long a rendered read is kept; a new snapshot makes new keys anyway.
WEAVER_READ_CACHE_SECONDS = env_int("WEAVER_READ_CACHE_SECONDS", 7 * 24 * 3600, minimum=1)

# Who may create networks: "staff" (staff users, and users a staff member gave the "Can add network"
# permission in the admin) or "any" (every logged-in user).
WEAVER_NETWORK_CREATORS = env_str("WEAVER_NETWORK_CREATORS", "staff")
if WEAVER_NETWORK_CREATORS not in ("staff", "any"):
    raise ImproperlyConfigured(
        f"WEAVER_NETWORK_CREATORS must be staff or any, not {WEAVER_NETWORK_CREATORS!r}"
    )
# Days an access invitation's link works.
WEAVER_ACCESS_INVITATION_DAYS = env_int("WEAVER_ACCESS_INVITATION_DAYS", 14, minimum=1)

# Login lockout (django-axes, attempts stored in the database): a login and address pair that failed
# this many times is refused for the cool-off, counted from its last failure.
AXES_FAILURE_LIMIT = env_int("WEAVER_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("WEAVER_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "weaver.lib.throttling.client_address"
# How many proxies in front of the app append to X-Forwarded-For; 0 trusts only the socket's address.
WEAVER_NUM_PROXIES = env_int("WEAVER_NUM_PROXIES", 0, minimum=0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Self-service hashed tokens, then DRF's tokens made by drf_create_token; bad tokens throttled.
        "accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "weaver.lib.throttling.AnonymousRateLimit",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "weaver.lib.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "weaver.lib.api.BrowsableAPIRenderer",
    ],
    # Anonymous requests are counted by the last authentication class (before permissions answer 401).
    "DEFAULT_THROTTLE_CLASSES": ["weaver.lib.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("WEAVER_API_ANON_RATE", "60/minute"),
        "user": env_rate("WEAVER_API_USER_RATE", "600/minute"),
        # Bad API tokens and password-reset e-mails, per client address (and per e-mail for resets).
        "auth_failure": env_rate("WEAVER_API_AUTH_FAILURE_RATE", "20/hour"),
        "password_reset": env_rate("WEAVER_PASSWORD_RESET_RATE", "5/hour"),
    },
    "NUM_PROXIES": WEAVER_NUM_PROXIES,
    "DEFAULT_PAGINATION_CLASS": "weaver.lib.api.Pagination",
    "DEFAULT_METADATA_CLASS": "weaver.lib.api.Metadata",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "weaver.lib.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    # The API reads JSON bodies only (networks.api); test clients send JSON unless told otherwise.
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
DRF_STANDARDIZED_ERRORS = {"EXCEPTION_HANDLER_CLASS": "weaver.lib.errors.ExceptionHandler"}
SPECTACULAR_SETTINGS = {
    "TITLE": "Weaver API",
    "DESCRIPTION": "Network weaving for improvement networks: members, ties, metrics, funds, clusters.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # AnonymousRateLimit only counts requests: it is no way to log in.
    "AUTHENTICATION_WHITELIST": [
        "accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ClusterStatusEnum": "clusters.models.LearningCluster.Status",
        "FollowUpStatusEnum": "clusters.models.FollowUp.Status",
        "RoundStatusEnum": "funds.models.Round.Status",
        "ProposalStatusEnum": "funds.models.Proposal.Status",
        "ReviewAssignmentStatusEnum": "funds.models.ReviewAssignment.Status",
        "SnapshotStatusEnum": "networks.models.Snapshot.Status",
        "CampaignStatusEnum": "surveys.models.Campaign.Status",
        "MemberKindEnum": "networks.models.Member.Kind",
        "NetworkRoleEnum": "networks.models.Role",
        "SuggestionKindEnum": "networks.serializers_metrics.SuggestionKind",
        "ProspectStatusEnum": "multiscale.models.Prospect.Status",
        "ProspectMoveStatusEnum": "multiscale.serializers.MOVE_STAGES",
        "MemberNetworkStatusEnum": "multiscale.models.MemberNetwork.Status",
        "SharingEnum": "multiscale.models.Sharing",
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "weaver.lib.api.schema_list_index_attrs",
        "weaver.lib.api.schema_optional_query_enums_take_empty",
        "weaver.lib.throttling.schema_throttled_responses",
    ],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
