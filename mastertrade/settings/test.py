"""pytest: the same real services as `make run`, a separate test database."""

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, REDIS_BROKER_PORT, REDIS_CACHE_PORT, REST_FRAMEWORK, env

SECRET_KEY = env("DJANGO_SECRET_KEY", "test-only-insecure-key")
DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 0
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
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "100000/minute"}}

# A broker database of its own, so tests never feed a `make run` worker (or vice versa).
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", f"redis://127.0.0.1:{REDIS_BROKER_PORT}/1")
