"""Every outgoing alert request goes through one hardened session: the address is
resolved once and pinned, refused addresses (`address_problem`: private, loopback,
link-local, shared 100.64/10, metadata…; loopback only when ALERTS_ALLOW_LOOPBACK) are
not connected to, no redirect is followed, short timeouts, no proxies from the
environment. The same `address_problem` refuses a literal address when a channel is
saved, in any notation the resolver accepts (hex, decimal, octal IPv4)."""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES, InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

__all__ = ["URL_MESSAGE", "URL_PATTERN", "InvalidIPAddress", "address_problem", "session", "url_problem"]

# The one form of a channel URL, stated as is in the OpenAPI schema and checked first by
# `url_problem`: http(s), a host name or [IPv6], an optional port 1-65535, then path /
# query / fragment in printable ASCII (no space, no control character). Only classes
# that JSON Schema (ECMA-262) and Python read alike: no \s, \w or \d.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PORT = r"6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}"
URL_PATTERN = rf"^(https?://(\[[0-9A-Fa-f:.]+\]|{_LABEL}(?:\.{_LABEL})*)(:({_PORT}))?([/?#][!-~]*)?)?$"
URL_MESSAGE = "Enter a URL: http:// or https://, a host, an optional port, no credentials, no spaces."
_URL = re.compile(URL_PATTERN)


def _unmapped(ip):
    """An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it carries."""
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped is not None else ip


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why alerts may not connect to `ip` (None when they may): the one decision, at save
    (a literal address) and at send (the address the name resolved to)."""
    ip = _unmapped(ip)
    if ip.is_loopback:
        return None if settings.ALERTS_ALLOW_LOOPBACK else "Loopback addresses are not allowed."
    if not ip.is_global or ip.is_multicast or any(ip in net for net in EXTRA_BLOCKED_NET_RANGES):
        return "Private, link-local, shared and metadata addresses are not allowed."
    return None


class _Adapter(IPFilterAdapter):
    """requests-hardened's pinning adapter, with `address_problem` deciding on the pinned address."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        ip = ipaddress.ip_address(host_params["host"].strip("[]"))
        if address_problem(ip):
            raise InvalidIPAddress(ip)
        return host_params, pool_kwargs


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
    for scheme in ("http://", "https://"):
        s.mount(scheme, _Adapter(is_https_proto=scheme == "https://", allow_loopback=settings.ALERTS_ALLOW_LOOPBACK))
    s.trust_env = False  # no proxy variables: the pinned address is the one we connect to
    return s


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names without DNS: [IPv6], or IPv4 in any notation the resolver
    takes (dotted, hex 0x0a000001, decimal 2852039166, octal 0251.0376.0251.0376)."""
    if host.startswith("["):
        return ipaddress.IPv6Address(host.strip("[]"))
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def url_problem(url: str, *, base: str | None = None) -> str | None:
    """Why `url` cannot be a channel's address (None when it can). No DNS here: a name's
    addresses are checked at every send."""
    if not isinstance(url, str) or len(url) > 2000 or not url or not _URL.fullmatch(url):
        return URL_MESSAGE
    try:
        parts = urlsplit(url)
    except ValueError:  # the pattern's [brackets] hold no IPv6 address
        return "Enter a valid IPv6 address between the brackets."
    host = parts.netloc if parts.netloc.endswith("]") else parts.netloc.rsplit(":", 1)[0]
    if base is not None:
        b = urlsplit(base)
        if (parts.scheme, parts.hostname, parts.port) != (b.scheme, b.hostname, b.port) or not parts.path.startswith(
            b.path
        ):
            return f"This URL must start with {base}."
        return None
    try:
        ip = ipaddress.ip_address("127.0.0.1") if parts.hostname == "localhost" else literal_address(host)
    except ValueError:
        return "Enter a valid IPv6 address between the brackets."
    ip = _unmapped(ip) if ip is not None else None
    problem = address_problem(ip) if ip is not None else None
    if problem:
        return problem
    if parts.scheme != "https" and not (ip is not None and ip.is_loopback and settings.ALERTS_ALLOW_LOOPBACK):
        return "Use an https URL (plain http only to a loopback address, when allowed)."
    return None
