"""Channel secrets at rest: Fernet with keys from the environment, and masking for output."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> MultiFernet:
    keys = list(settings.ALERTS_ENCRYPTION_KEYS)
    if not keys and getattr(settings, "ALERTS_DERIVE_KEY_FROM_SECRET", False):
        keys = [base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()]
    if not keys:
        raise ImproperlyConfigured("ALERTS_ENCRYPTION_KEY is not set: channel secrets cannot be stored or read.")
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(values: dict) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ImproperlyConfigured("A channel secret cannot be decrypted with ALERTS_ENCRYPTION_KEY.") from None


def mask(value: str) -> str:
    """Enough to recognise a secret, never enough to use it: the scheme and host of a
    URL, or nothing, then the last four characters."""
    if not value:
        return ""
    tail = value[-4:] if len(value) >= 12 else ""
    if "://" in value:
        scheme, _, rest = value.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}/…{tail}"
    return f"…{tail}"


def new_webhook_secret() -> str:
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
