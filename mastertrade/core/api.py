"""Shared API pieces: the error schema, throttles, and common OpenAPI responses."""

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(help_text="Stable machine-readable error code."),
        "message": serializers.CharField(help_text="Human-readable summary."),
        "errors": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Messages per field (validation errors only).",
        ),
        "request_id": serializers.CharField(required=False),
    },
)


# Query parameters, as the server checks them.
GOAL_ID_PARAM = {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
DATETIME_PARAM = {"type": "string", "format": "date-time"}


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


COMMON_ERRORS = {
    401: error("Not authenticated."),
    429: error("Too many requests; see Retry-After."),
}
READ_ERRORS = {**COMMON_ERRORS, 404: error("No such object (or not yours).")}
WRITE_ERRORS = {**COMMON_ERRORS, 400: error("Invalid input; messages per field.")}
