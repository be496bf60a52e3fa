"""The tokens' periodic work: beat sends `tokens.purge_expired` hourly (mastertrade/celery.py)."""

from celery import shared_task
from django.utils import timezone

from .services import api_tokens_purge_expired


@shared_task(name="tokens.purge_expired", ignore_result=True, expires=3600)
def purge_expired_tokens() -> int:
    """Deletes expired API tokens (idempotent: a second run finds none)."""
    return api_tokens_purge_expired(now=timezone.now())
