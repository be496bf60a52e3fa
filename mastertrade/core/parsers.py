from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from mastertrade.fastpath import json_parser, on


class StrictJSONParser(JSONParser):
    """DRF's JSON parser (NaN and Infinity already refused), plus: absurdly deep
    nesting is a 400 parse error, not a RecursionError. While the fast path's
    `json_parser` piece is on, the body is decoded in one step (same data, same errors)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            if on("json_parser"):
                return json_parser.parse_in_one_step(stream, parser_context, strict=self.strict)
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
