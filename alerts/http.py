"""Every outgoing alert request goes through one hardened session: the address is
resolved once and pinned, private / loopback / link-local / metadata addresses are
refused (loopback only when ALERTS_ALLOW_LOOPBACK), no redirect is followed, short
timeouts, no proxies from the environment."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress

__all__ = ["InvalidIPAddress", "session", "url_problem"]


def session() -> HTTPSession:
    s = HTTPSession(
        Config(
            ip_filter_enable=True,
            ip_filter_allow_loopback_ips=settings.ALERTS_ALLOW_LOOPBACK,
            never_redirect=True,
            default_timeout=(settings.ALERTS_HTTP_CONNECT_TIMEOUT, settings.ALERTS_HTTP_READ_TIMEOUT),
            user_agent_override="MasterTrade-Alerts/1.0",
        )
    )
    s.trust_env = False  # no proxy variables: the pinned address is the one we connect to
    return s


def _literal_ip(host: str):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def url_problem(url: str, *, base: str | None = None) -> str | None:
    """Why `url` cannot be a channel's address (None when it can). Checked when a channel
    is saved; the address it resolves to is checked again at every send."""
    if not isinstance(url, str) or not url or len(url) > 2000:
        return "Enter a URL of at most 2000 characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Enter a valid URL."
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return "Enter a valid http(s) URL without credentials."
    if base is not None:
        b = urlsplit(base)
        if (parts.scheme, parts.hostname, port) != (b.scheme, b.hostname, b.port) or not parts.path.startswith(b.path):
            return f"This URL must start with {base}."
        return None
    ip = _literal_ip(parts.hostname)
    loopback = parts.hostname == "localhost" or (ip is not None and ip.is_loopback)
    if loopback and not settings.ALERTS_ALLOW_LOOPBACK:
        return "Loopback addresses are not allowed."
    if ip is not None and not ip.is_loopback and (ip.is_private or ip.is_link_local or ip.is_multicast):
        return "Private, link-local and metadata addresses are not allowed."
    if parts.scheme != "https" and not (loopback and settings.ALERTS_ALLOW_LOOPBACK):
        return "Use an https URL."
    return None
