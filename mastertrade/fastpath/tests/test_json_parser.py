"""The `json_parser` piece against DRF's JSONParser over valid and invalid bodies: the same
data, the same error class and message. The nesting limit holds in both modes."""

import io

import pytest
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from mastertrade.core.parsers import StrictJSONParser
from mastertrade.fastpath.json_parser import OneStepJSONParser

BODIES = [
    (b'{"goal": 1, "base_position_size": "10.5", "symbol": "BTC/USDT"}', "utf-8"),
    ('{"name": "café ☕"}'.encode(), "utf-8"),
    ('{"name": "café"}'.encode("latin-1"), "latin-1"),
    ('{"name": "ü"}'.encode("utf-16"), "utf-16"),
    (b'{"x": NaN}', "utf-8"),
    (b'{"x": -Infinity}', "utf-8"),
    (b'{"x": Infinity}', "utf-8"),
    (b'{"x": 1e999}', "utf-8"),
    (b'{"x": 1.5e-400, "y": -0.0, "z": 12345678901234567890123}', "utf-8"),
    (b"\xff\xfe{}", "utf-8"),
    (b'\xef\xbb\xbf{"x": 1}', "utf-8"),
    (b'{"x": 1,}', "utf-8"),
    (b'{"x": "\\ud800"}', "utf-8"),
    (b'{"x": "a\x00b"}', "utf-8"),
    (b'{"a": 1, "a": 2}', "utf-8"),
    (b"[1, 2", "utf-8"),
    (b"  ", "utf-8"),
    (b"", "utf-8"),
    (b"null", "utf-8"),
    (b'"just a string"', "utf-8"),
    (b"[" * 50 + b"]" * 50, "utf-8"),
    (b"{'single': 1}", "utf-8"),
    (b'{"x": 1} trailing', "utf-8"),
]


def _outcome(parser, body, encoding):
    try:
        return ("ok", parser.parse(io.BytesIO(body), "application/json", {"encoding": encoding}))
    except ParseError as error:
        return (type(error).__name__, str(error.detail))


@pytest.mark.parametrize("body, encoding", BODIES)
def test_the_parsers_parse_and_refuse_as_drfs(body, encoding):
    expected = _outcome(JSONParser(), body, encoding)
    assert _outcome(OneStepJSONParser(), body, encoding) == expected
    assert _outcome(StrictJSONParser(), body, encoding) == expected


@pytest.mark.parametrize("parser", [StrictJSONParser, OneStepJSONParser])
def test_absurd_nesting_is_a_parse_error_in_both_modes(parser):
    with pytest.raises(ParseError, match="nested too deeply"):
        parser().parse(io.BytesIO(b"[" * 100_000 + b"]" * 100_000), "application/json", {})


def test_the_configured_parser_follows_the_switch():
    from rest_framework.settings import api_settings

    from mastertrade.fastpath import on

    expected = OneStepJSONParser if on("json_parser") else StrictJSONParser
    assert [expected] == api_settings.DEFAULT_PARSER_CLASSES
