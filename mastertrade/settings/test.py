"""pytest: the same real services as `make run`, a separate test database."""

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_BROKER_PORT, REDIS_CACHE_PORT, env, env_bool

SECRET_KEY = env("DJANGO_SECRET_KEY", "test-only-insecure-key")
DEBUG = False
# Production's connection handling (base: CONN_MAX_AGE 60 s, no health check), so the
# contract stage and the fault drills meet kept connections broken by a restart.
DATABASES["default"]["TEST"] = {"NAME": env("DB_TEST_NAME", "test_mastertrade")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {**CACHES}
# The test cache has a Redis database of its own: cache.clear() in a test never empties
# the cache that `make run` uses.
CACHES["default"] = {
    **CACHES["default"],
    "LOCATION": env("TEST_REDIS_CACHE_URL", f"redis://127.0.0.1:{REDIS_CACHE_PORT}/1"),
    "KEY_PREFIX": f"mt-test-{DATABASES['default']['TEST']['NAME']}",
}
API_THROTTLE_WRITE = "100000/minute"
API_THROTTLE_TOKEN = "100000/minute"  # noqa: S105 - a rate, not a password

# A broker database of its own, so tests never feed a `make run` worker (or vice versa).
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", f"redis://127.0.0.1:{REDIS_BROKER_PORT}/1")

# Alerts: local receivers (pytest-httpserver, aiosmtpd) on 127.0.0.1; short retries.
ALERTS_ALLOW_LOOPBACK = env_bool("ALERTS_ALLOW_LOOPBACK", True)
ALERTS_RETRY_BASE_SECONDS = float(env("ALERTS_RETRY_BASE_SECONDS", "0.2"))
ALERTS_RETRY_MAX_SECONDS = float(env("ALERTS_RETRY_MAX_SECONDS", "5"))
ALERTS_HTTP_READ_TIMEOUT = float(env("ALERTS_HTTP_READ_TIMEOUT", "5"))
# Channel secrets: a key derived from SECRET_KEY unless ALERTS_ENCRYPTION_KEY is set.
ALERTS_DERIVE_KEY_FROM_SECRET = True
