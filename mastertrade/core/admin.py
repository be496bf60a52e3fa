"""The admin site's shared pieces: branding, the login lock-out, and small display helpers.

Login lock-out: after `ADMIN_LOGIN_MAX_FAILURES` (default 5) failed admin logins for
one username from one client address, further attempts for that pair are refused —
without checking the password — until `ADMIN_LOGIN_LOCKOUT_SECONDS` (default 900,
15 minutes) have passed since the last counted failure. A successful login clears the
counter. The counter lives in the cache (Redis): when the cache is down, logins are
allowed (the cache is never a dependency). The client address is `REMOTE_ADDR`, or,
behind `DJANGO_NUM_PROXIES` proxies, the one the outermost proxy saw.
"""

import datetime as dt
import hashlib
import logging
from decimal import Decimal

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.html import format_html
from rest_framework.settings import api_settings

from mastertrade.core.money import quantize

logger = logging.getLogger("mastertrade.admin")

LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT_SECONDS = 15 * 60


def _max_failures() -> int:
    return getattr(settings, "ADMIN_LOGIN_MAX_FAILURES", LOGIN_MAX_FAILURES)


def _lockout_seconds() -> int:
    return getattr(settings, "ADMIN_LOGIN_LOCKOUT_SECONDS", LOGIN_LOCKOUT_SECONDS)


def client_address(request) -> str:
    """REMOTE_ADDR; behind `DJANGO_NUM_PROXIES` trusted proxies, the address the
    outermost of them saw (X-Forwarded-For is never trusted without proxies, so a
    client cannot dodge the lock-out by sending one)."""
    if request is None:
        return "unknown"
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies > 0 and forwarded:
        return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR") or "unknown"


def login_failure_key(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\0{address}".encode()).hexdigest()
    return f"admin-login-failures:v1:{digest}"


def login_failures(key: str) -> int:
    try:
        return int(cache.get(key) or 0)
    except Exception:  # the cache is never a dependency: no counter, no lock
        logger.warning("cache unavailable: admin login lock-out not enforced", exc_info=True)
        return 0


def login_failure_record(key: str) -> int:
    """Count one failure; the counter (and so a lock) lives LOCKOUT seconds after it."""
    try:
        cache.add(key, 0, _lockout_seconds())
        count = cache.incr(key)
        cache.touch(key, _lockout_seconds())
        return int(count or 0)
    except Exception:
        logger.warning("cache unavailable: admin login failure not counted", exc_info=True)
        return 0


def login_failures_clear(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        logger.warning("cache unavailable: admin login counter not cleared", exc_info=True)


class LockoutAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin login form, refusing a username+address pair after repeated failures."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked_out": (
            "Too many failed login attempts for this account from your address. "
            "Login is locked for %(minutes)s minutes; try again later."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        key = login_failure_key(username, client_address(self.request)) if username else None
        if key and login_failures(key) >= _max_failures():
            logger.warning("admin login refused: %r is locked out", username)
            raise ValidationError(
                self.error_messages["locked_out"],
                code="locked_out",
                params={"minutes": _lockout_seconds() // 60},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if key and self.cleaned_data.get("password"):
                count = login_failure_record(key)
                if count >= _max_failures():
                    logger.warning("admin login: %r locked out after %s failures", username, count)
            raise
        if key:
            login_failures_clear(key)
        return cleaned


admin.site.login_form = LockoutAdminAuthenticationForm
admin.site.site_header = "MasterTrade Goals"
admin.site.site_title = "MasterTrade Goals admin"
admin.site.index_title = "Goals, trades, sizing and strategies"
# The list pages need the width on a laptop screen; the breadcrumbs and the index lead everywhere.
admin.site.enable_nav_sidebar = False


# --- Display helpers shared by the apps' admins.

EMPTY = "—"


def amount(value: Decimal | None, places: int = 2) -> str:
    """A stored number for people: grouped, `places` decimals, '—' when missing."""
    if value is None:
        return EMPTY
    return number_format(quantize(Decimal(value), places), places, force_grouping=True)


def price(value: Decimal | None) -> str:
    """A price or quantity: at least 2 decimals, more only when they carry digits."""
    if value is None:
        return EMPTY
    places = max(2, -Decimal(value).normalize().as_tuple().exponent)
    return amount(value, min(places, 8))


def when(value) -> str:
    """A time for a list: compact, UTC."""
    return EMPTY if value is None else f"{value.astimezone(dt.UTC):%Y-%m-%d %H:%M}"


def signed_amount(value: Decimal | None, places: int = 2):
    """A P&L: green when positive, red when negative (with the sign), plain at zero."""
    if value is None:
        return EMPTY
    css = "mt-pos" if value > 0 else "mt-neg" if value < 0 else "mt-zero"
    sign = "+" if value > 0 else ""
    return format_html('<span class="{}">{}{}</span>', css, sign, amount(value, places))


def two_lines(first, second):
    """A list cell with a quieter second line (keeps tables narrow on laptop screens)."""
    return format_html('{}<br><span class="mt-quiet">{}</span>', first, second)


def percent(value: Decimal | None, places: int = 2) -> str:
    return EMPTY if value is None else f"{amount(value, places)} %"


class ReadOnlyAdminMixin:
    """An audit log: people may look, nobody adds, changes or deletes through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


ADMIN_CSS = {"all": ["admin_mt/admin.css"]}
