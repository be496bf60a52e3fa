from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class StrictJSONParser(JSONParser):
    """DRF's JSON parser (NaN and Infinity already refused), plus: absurdly deep
    nesting is a 400 parse error, not a RecursionError. The fast path's parser
    (mastertrade.fastpath.json_parser) is this one, decoding in one step."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
