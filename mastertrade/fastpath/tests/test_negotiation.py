"""The `negotiation` piece against DRF's DefaultContentNegotiation over many Accept
headers and format overrides: the same renderer and media type, the same refusals."""

import itertools

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request

from mastertrade.fastpath.negotiation import RememberingContentNegotiation

ACCEPTS = [
    None,
    "application/json",
    "*/*",
    "text/html",
    "application/json; indent=4",
    "text/html;q=0.5, application/json",
    "application/json;q=0.1, text/html",
    "application/*",
    "text/*",
    "image/png",
    "image/png, */*;q=0.1",
    "application/xml",
    "",
    "application/json, text/html",
    "text/html; charset=utf-8",
]
FORMATS = [None, "json", "api", "xml"]


def _outcome(negotiation, rf, accept, format, renderers):
    query = "" if format is None else f"format={format}"
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    try:
        renderer, media_type = negotiation.select_renderer(Request(rf.get(f"/?{query}", **headers)), renderers)
    except (NotAcceptable, Http404) as error:
        return type(error).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("renderer_classes", [(JSONRenderer, BrowsableAPIRenderer), (JSONRenderer,)])
def test_every_combination_gets_drfs_answer_twice(rf, renderer_classes):
    renderers = [cls() for cls in renderer_classes]
    for accept, format in itertools.product(ACCEPTS, FORMATS):
        expected = _outcome(DefaultContentNegotiation(), rf, accept, format, renderers)
        for _ in range(2):  # the first asks DRF, the second remembers
            assert _outcome(RememberingContentNegotiation(), rf, accept, format, renderers) == expected, (
                accept,
                format,
            )


@pytest.mark.parametrize(
    "accept, query",
    [
        (None, ""),
        ("application/json", ""),
        ("*/*", ""),
        ("text/html", ""),
        ("application/json; indent=4", ""),
        ("text/html;q=0.5, application/json", ""),
        ("application/*", ""),
        ("*/*", "format=api"),
        (None, "format=json"),
    ],
)
def test_remembered_negotiation_gives_drfs_answer(rf, accept, query):
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
    from rest_framework.request import Request

    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    renderers = [JSONRenderer(), BrowsableAPIRenderer()]
    expected = DefaultContentNegotiation().select_renderer(Request(rf.get(f"/?{query}", **headers)), renderers)
    for _ in range(2):  # the first asks DRF, the second remembers
        request = Request(rf.get(f"/?{query}", **headers))
        renderer, media_type = RememberingContentNegotiation().select_renderer(request, renderers)
        assert (renderer, media_type) == expected


def test_a_refused_accept_header_is_refused_every_time(rf):
    from rest_framework.exceptions import NotAcceptable
    from rest_framework.renderers import JSONRenderer
    from rest_framework.request import Request

    for _ in range(2):
        with pytest.raises(NotAcceptable):
            RememberingContentNegotiation().select_renderer(
                Request(rf.get("/", HTTP_ACCEPT="image/png")), [JSONRenderer()]
            )
