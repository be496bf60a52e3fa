"""`make run` and `manage.py` on a developer machine: the local stack's defaults."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env("DJANGO_SECRET_KEY", "local-only-insecure-key-change-me")
