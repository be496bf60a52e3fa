"""Production: refuses to start without DJANGO_SECRET_KEY; DEBUG off; HTTPS posture."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_int

SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
DEBUG = False

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Prometheus scrapes the container directly over plain HTTP (see /metrics access rules).
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Alerts: outgoing HTTP never reaches loopback; the chat services' hosts are fixed.
# ALERTS_ENCRYPTION_KEY has no default here: saving or sending through a channel
# without it fails loudly (alerts/crypto.py).
ALERTS_ALLOW_LOOPBACK = False
ALERTS_SLACK_BASE_URL = "https://hooks.slack.com/"
ALERTS_DISCORD_BASE_URL = "https://discord.com/api/webhooks/"
ALERTS_TELEGRAM_BASE_URL = "https://api.telegram.org/"
