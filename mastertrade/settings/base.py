"""Settings shared by every environment. Everything configurable comes from the
environment; the defaults match the local stack that `make run` starts."""

import ipaddress
import os
from pathlib import Path

from mastertrade.fastpath import parse_off

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY")
# The hot path's switchable pieces (mastertrade/fastpath): a comma-separated list, or "all".
FASTPATH_OFF = parse_off(env("FASTPATH_OFF"))
# Rotation (docs/operations/runbook.md#rotate-django_secret_key): the previous keys, comma-separated, still
# verify sessions and signed values while they expire; new ones are signed with SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django_prometheus",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mastertrade.core",
    "tokens",
    "observability",
    "goals",
    "trades",
    "risk",
    "strategies",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mastertrade.core.middleware.RequestIdMiddleware",
    "mastertrade.core.middleware.ApiErrorShapeMiddleware",
    "mastertrade.core.replication.SynchronousCommitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mastertrade.fastpath.prometheus.PrometheusMiddleware",
]
if "prometheus_middleware" in FASTPATH_OFF:  # django-prometheus's own pair, first and last
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE[:-1],
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

ROOT_URLCONF = "mastertrade.urls"
WSGI_APPLICATION = "mastertrade.wsgi.application"

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

# --- Database: the application always goes through PgBouncer (transaction pooling).
DB_DIRECT_PORT = env("DB_DIRECT_PORT", "5432")  # PostgreSQL itself: test-DB creation only
DATABASES = {
    "default": {
        # django-prometheus's PostgreSQL, statements counted cheaply (or its own backend).
        "ENGINE": (
            "django_prometheus.db.backends.postgresql" if "cursor" in FASTPATH_OFF else "mastertrade.fastpath.db"
        ),
        "NAME": env("DB_NAME", "mastertrade"),
        "USER": env("DB_USER", "mastertrade"),
        "PASSWORD": env("DB_PASSWORD", "mastertrade"),
        "HOST": env("DB_HOST", "127.0.0.1"),
        "PORT": env("DB_PORT", "6432"),  # PgBouncer
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
        # No health check (a `SELECT 1` before each request's first query): PgBouncer
        # checks its server connections itself, and a client connection that broke
        # (PgBouncer restarted) fails one request with a 503 and is then replaced.
        "CONN_HEALTH_CHECKS": env_bool("DB_CONN_HEALTH_CHECKS", False),
        # Transaction pooling: no server-side cursors, no server-side binding,
        # no session state (the server's and the role's timezone are UTC, so
        # Django never issues SET TIME ZONE).
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {"connect_timeout": env_int("DB_CONNECT_TIMEOUT", 3)},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A request's database statement still running after this many seconds is cancelled and the
# request answered 503 (mastertrade/core/replication.py): below gunicorn's 30 s timeout, so a
# commit waiting for a synchronous standby that is down ends in a clean 503, not a killed worker.
DB_REQUEST_DEADLINE_SECONDS = env_int("DB_REQUEST_DEADLINE_SECONDS", 15)

# --- Redis: two instances. The cache may evict (allkeys-lru); the broker never does.
# The ports default to the local stack's (scripts/stack.sh reads the same variables).
REDIS_CACHE_PORT = env("REDIS_CACHE_PORT", "6379")
REDIS_BROKER_PORT = env("REDIS_BROKER_PORT", "6380")
REDIS_CACHE_URL = env("REDIS_CACHE_URL", f"redis://127.0.0.1:{REDIS_CACHE_PORT}/0")
CACHES = {
    "default": {
        # django-redis, plus hit/miss/failure counters for /metrics.
        "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", "mt"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
            # The cache is an optimisation, never a dependency: errors are misses.
            "IGNORE_EXCEPTIONS": True,
        },
    }
}
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

CELERY_BROKER_URL = env("CELERY_BROKER_URL", f"redis://127.0.0.1:{REDIS_BROKER_PORT}/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 270)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = env("CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule"))

# --- Domain settings
GOAL_SNAPSHOT_INTERVAL_SECONDS = env_int("GOAL_SNAPSHOT_INTERVAL_SECONDS", 3600)
# Beat sends the (idempotent) snapshot task this many times per period, so a missed send is caught up.
GOAL_SNAPSHOT_CHECKS_PER_PERIOD = env_int("GOAL_SNAPSHOT_CHECKS_PER_PERIOD", 6)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- API
API_THROTTLE_WRITE = env("API_THROTTLE_WRITE", "600/minute")
API_THROTTLE_TOKEN = env("API_THROTTLE_TOKEN", "10/minute")
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("API_MAX_BODY_BYTES", 262144)

# API tokens (django-rest-knox, stored hashed): `Authorization: Token <key>`; they expire
# after API_TOKEN_TTL_SECONDS (0: never; default 30 days).
API_TOKEN_TTL_SECONDS = env_int("API_TOKEN_TTL_SECONDS", 30 * 24 * 3600)
# Each server process remembers a verified token this long: a token revoked elsewhere (or
# its user deactivated) stops working within this bound; 0 checks the database every time.
API_TOKEN_CACHE_SECONDS = env_int("API_TOKEN_CACHE_SECONDS", 5)
KNOX_TOKEN_MODEL = "tokens.ApiToken"  # noqa: S105 - a model name, not a secret
# knox's own migrations would create its (swapped-out) table anyway: ours is tokens.ApiToken.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {"AUTH_HEADER_PREFIX": "Token", "TOKEN_TTL": None, "AUTO_REFRESH": False}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["mastertrade.core.parsers.StrictJSONParser"],  # fast path: json_parser
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "rest_framework.negotiation.DefaultContentNegotiation"
    if "negotiation" in FASTPATH_OFF
    else "mastertrade.fastpath.negotiation.RememberingContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "mastertrade.core.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mastertrade.core.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_CLASSES": ["mastertrade.core.throttling.WriteRateThrottle"],
    "NUM_PROXIES": env_int("DJANGO_NUM_PROXIES", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "MasterTrade Goals API",
    "DESCRIPTION": "Goal-oriented position sizing and strategy selection for a trading engine.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mastertrade.core.schema.postprocess",
    ],
    "ENUM_NAME_OVERRIDES": {
        "SizingStanceEnum": "risk.models.Stance",
        "SelectionStanceEnum": "strategies.models.SelectionStance",
        "StrategyStatusEnum": "strategies.models.StrategyStatus",
        "TradeStatusEnum": "trades.models.TradeStatus",
        "GoalStateEnum": "goals.models.GoalState",
        "GoalStatusEnum": "goals.progress.STATUS_CHOICES",
        "AlertRuleKindEnum": "alerts.kinds.RuleKind",
        "AlertChannelKindEnum": "alerts.kinds.ChannelKind",
        "AlertSeverityEnum": "alerts.kinds.Severity",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django_redis": {"level": "ERROR"}},
}

# --- Metrics (GET /metrics): loopback, these networks, or `Authorization: Bearer <METRICS_TOKEN>`.
PROMETHEUS_EXPORT_MIGRATIONS = False
METRICS_TOKEN = env("METRICS_TOKEN")

# Admin login lock-out: failures per username and client address, counted in the cache.
ADMIN_LOGIN_MAX_FAILURES = env_int("ADMIN_LOGIN_MAX_FAILURES", 5)
ADMIN_LOGIN_LOCKOUT_SECONDS = env_int("ADMIN_LOGIN_LOCKOUT_SECONDS", 900)
METRICS_ALLOWED_NETWORKS = [str(ipaddress.ip_network(n, strict=False)) for n in env_list("METRICS_ALLOWED_NETWORKS")]
# Containers: the Celery worker serves its own metrics on this port (0 = off; `make run`
# shares PROMETHEUS_MULTIPROC_DIR with the web instead).
WORKER_METRICS_PORT = int(env("CELERY_METRICS_PORT") or 0)

# --- Backups (pgBackRest; scripts/backup.py, docs/operations/runbook.md). Each backup run writes a
# status file here; /metrics and /health/ read them.
BACKUP_STATUS_DIR = env("BACKUP_STATUS_DIR", str(BASE_DIR / "var" / "backup-status"))
# /health/ says "stale" when the newest successful backup is older than this (hourly
# incrementals + slack). Never a 503 for that alone.
BACKUP_MAX_AGE_SECONDS = env_int("BACKUP_MAX_AGE_SECONDS", 7200)
# The local stack's schedule (Celery beat → worker, which shares the host with PostgreSQL):
# a full backup daily at BACKUP_FULL_TIME (HH:MM UTC) and an incremental one hourly at
# BACKUP_INCR_MINUTE. Off in compose, where the `backup` service beside the database runs it.
BACKUP_SCHEDULE_ENABLED = env_bool("BACKUP_SCHEDULE_ENABLED", True)
BACKUP_FULL_TIME = env("BACKUP_FULL_TIME", "02:30")
BACKUP_INCR_MINUTE = env_int("BACKUP_INCR_MINUTE", 0)
# --- Alerts (alerts app; docs/alerts.md)
# Fernet key(s) for channel secrets at rest, comma-separated (the first encrypts; all
# decrypt, for rotation). local/test derive one from SECRET_KEY; production requires it.
ALERTS_ENCRYPTION_KEYS = env_list("ALERTS_ENCRYPTION_KEY")
ALERTS_DERIVE_KEY_FROM_SECRET = False
# Outgoing HTTP may reach loopback (tests, local runs with a local receiver). Never in production.
ALERTS_ALLOW_LOOPBACK = env_bool("ALERTS_ALLOW_LOOPBACK", False)
ALERTS_HTTP_CONNECT_TIMEOUT = float(env("ALERTS_HTTP_CONNECT_TIMEOUT", "3"))
ALERTS_HTTP_READ_TIMEOUT = float(env("ALERTS_HTTP_READ_TIMEOUT", "5"))
# The fixed hosts of the chat services (settings so tests can point them at a local receiver).
ALERTS_SLACK_BASE_URL = env("ALERTS_SLACK_BASE_URL", "https://hooks.slack.com/")
ALERTS_DISCORD_BASE_URL = env("ALERTS_DISCORD_BASE_URL", "https://discord.com/api/webhooks/")
ALERTS_TELEGRAM_BASE_URL = env("ALERTS_TELEGRAM_BASE_URL", "https://api.telegram.org/")
ALERTS_RETRY_BASE_SECONDS = float(env("ALERTS_RETRY_BASE_SECONDS", "5"))
ALERTS_RETRY_MAX_SECONDS = float(env("ALERTS_RETRY_MAX_SECONDS", "900"))
ALERTS_MAX_ATTEMPTS = env_int("ALERTS_MAX_ATTEMPTS", 8)
# A delivery claimed by a worker that has not finished after this long is presumed lost
# with that worker (killed mid-send) and tried again by the tick, with the same webhook-id.
# Keep it above the HTTP timeouts.
ALERTS_CLAIM_STALE_SECONDS = env_int("ALERTS_CLAIM_STALE_SECONDS", 60)
# How often beat runs the alerts tick (escalations due, data down, deadlines, stuck deliveries).
ALERTS_TICK_SECONDS = env_int("ALERTS_TICK_SECONDS", 60)
# The worker/beat heartbeat (written by the tick) counts as stale after this long.
ALERTS_HEARTBEAT_STALE_SECONDS = env_int("ALERTS_HEARTBEAT_STALE_SECONDS", 300)
# Absolute base of links in messages (the one-click acknowledge link).
ALERTS_PUBLIC_BASE_URL = env("ALERTS_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
ALERTS_ACK_LINK_MAX_AGE_SECONDS = env_int("ALERTS_ACK_LINK_MAX_AGE_SECONDS", 7 * 24 * 3600)
# E-mail channel: Django's SMTP settings.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "alerts@mastertrade.local")

LOGIN_URL = "alerts-login"
LOGIN_REDIRECT_URL = "alerts-page"
