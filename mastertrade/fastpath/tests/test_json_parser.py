"""The `json_parser` piece against DRF's JSONParser over valid and invalid bodies: the same
data, the same error class and message. The nesting limit holds in both modes."""

import io

import pytest
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from mastertrade.core.parsers import StrictJSONParser
from mastertrade.fastpath.json_parser import parse_in_one_step

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


def _outcome(parse, body, encoding):
    try:
        return ("ok", parse(io.BytesIO(body), "application/json", {"encoding": encoding}))
    except ParseError as error:
        return (type(error).__name__, str(error.detail))


def _one_step(stream, media_type, parser_context):
    return parse_in_one_step(stream, parser_context, strict=True)


@pytest.mark.parametrize("off", [frozenset(), frozenset({"json_parser"})])
@pytest.mark.parametrize("body, encoding", BODIES)
def test_the_parsers_parse_and_refuse_as_drfs(body, encoding, off, settings):
    settings.FASTPATH_OFF = off
    expected = _outcome(JSONParser().parse, body, encoding)
    assert _outcome(_one_step, body, encoding) == expected
    assert _outcome(StrictJSONParser().parse, body, encoding) == expected


@pytest.mark.parametrize("off", [frozenset(), frozenset({"json_parser"})])
def test_absurd_nesting_is_a_parse_error_in_both_modes(off, settings):
    settings.FASTPATH_OFF = off
    with pytest.raises(ParseError, match="nested too deeply"):
        StrictJSONParser().parse(io.BytesIO(b"[" * 100_000 + b"]" * 100_000), "application/json", {})


def test_the_one_step_decode_is_used_while_the_piece_is_on(settings, monkeypatch):
    calls = []
    monkeypatch.setattr("mastertrade.fastpath.json_parser.json.loads", lambda text, **kw: calls.append(text) or {})
    settings.FASTPATH_OFF = frozenset()
    StrictJSONParser().parse(io.BytesIO(b"{}"), "application/json", {})
    settings.FASTPATH_OFF = frozenset({"json_parser"})
    StrictJSONParser().parse(io.BytesIO(b"{}"), "application/json", {})
    assert calls == ["{}"]
