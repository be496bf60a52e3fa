"""The hot path's re-implementations of framework internals, one module each, each with a
switch (docs/adr/ has one record per piece: what it saves, what it relies on).

`FASTPATH_OFF` (environment) turns pieces off: a comma-separated list of the names below,
or `all`. A piece that is off leaves the framework's own path (Django, DRF, knox, psycopg,
redis-py) in its place, with the same behaviour: the API and hot-path tests run once with
every piece off (`scripts/test.sh`), and each piece has an oracle test that compares its
output with the framework's on the same inputs, so an upgrade that changes what a piece
relies on fails a test rather than changing an answer.

This module reads no settings at import: the settings module imports `parse_off`."""

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

PIECES = {
    "resp": "the throttle's counter speaks RESP over its own socket (else redis-py, through the cache's client)",
    "statements": "the goal read and the audit INSERT are written once per model (else the ORM's get() and save())",
    "cursor": "the database backend counts statements with labelled children looked up once per connection "
    "(else django-prometheus's backend)",
    "output": "serializers build their fields once per class and render through a plan "
    "(else DRF's get_fields and to_representation)",
    "middleware": "API requests skip the browser-only middleware (else Django's WSGIHandler with the full chain)",
    "prometheus_middleware": "one middleware records the request metrics that are read "
    "(else django-prometheus's Before/After pair)",
    "negotiation": "the chosen renderer is remembered per Accept header (else DRF's DefaultContentNegotiation)",
    "json_parser": "the request body is decoded in one step (else DRF's JSONParser, plus the nesting limit)",
    "token_memo": "a verified API token is remembered for API_TOKEN_CACHE_SECONDS (else knox's lookup every request)",
    "tz_loader": "timestamps are parsed by psycopg's C loader, as Django's loader does (else Django's, in Python)",
}


def parse_off(value: str) -> frozenset[str]:
    """`FASTPATH_OFF`'s value as a set of piece names; an unknown name refuses to start."""
    names = {name.strip() for name in value.split(",") if name.strip()}
    if names == {"all"}:
        return frozenset(PIECES)
    unknown = sorted(names - set(PIECES))
    if unknown:
        known = ", ".join(["all", *PIECES])
        raise ImproperlyConfigured(f"FASTPATH_OFF: unknown piece(s) {', '.join(unknown)}; known: {known}")
    return frozenset(names)


def on(piece: str) -> bool:
    """Whether `piece` is switched on (settings.FASTPATH_OFF does not name it). The setting
    is read once and again only after it changes (override_settings, the tests' `settings`)."""
    global _off
    if piece not in PIECES:
        raise KeyError(piece)
    off = _off
    if off is None:
        from django.conf import settings

        off = _off = settings.FASTPATH_OFF
    return piece not in off


_off: frozenset[str] | None = None


@receiver(setting_changed)
def _forget_off(*, setting, **kwargs):
    global _off
    if setting == "FASTPATH_OFF":
        _off = None
