"""API tokens, stored hashed (django-rest-knox's digest): a copy of the database yields
no usable token. Each has a name (the device or program using it) and may expire."""

from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

TOKEN_NAME_MAX_LENGTH = 64


class ApiToken(AbstractAuthToken):
    # A plain id for the API and the admin; the digest (a SHA-512 of the token) stays unique
    # but is never shown.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True, editable=False)
    name = models.CharField(
        max_length=TOKEN_NAME_MAX_LENGTH, default="default", help_text="The device or program that uses this token."
    )

    class Meta:
        db_table = "api_tokens"
        ordering = ["-created", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"
