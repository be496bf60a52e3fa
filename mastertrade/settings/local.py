"""`make run` and `manage.py` on a developer machine: the local stack's defaults."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY", "local-only-insecure-key-change-me")

# A local receiver on 127.0.0.1 may stand in for Slack & co. (never in production).
ALERTS_ALLOW_LOOPBACK = env_bool("ALERTS_ALLOW_LOOPBACK", True)
# Channel secrets: a key derived from SECRET_KEY unless ALERTS_ENCRYPTION_KEY is set.
ALERTS_DERIVE_KEY_FROM_SECRET = True
