"""Page-number pagination whose `page` is what the schema says: an integer >= 1."""

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination


class StrictPageNumberPagination(PageNumberPagination):
    """`?page=` must be an integer >= 1 (else 400 on `page`); a page past the end is 404."""

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or len(raw) > 18:
            raise serializers.ValidationError({self.page_query_param: ["Must be an integer, 1 or more."]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number (1 or more); past the last page answers 404.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
            }
        ]
