"""The `negotiation` piece: DRF's content negotiation, remembered.

Which renderer answers depends only on the Accept header, the `?format=` override (or
a format suffix) and the view's renderer classes, yet DRF parses the header into media
types and matches them against every renderer on each request: a tenth of a goal
read's CPU (bench/api.py). This keeps DRF's answer per (Accept, format, renderer
classes) — a trading engine sends the same header every time — and asks DRF whenever
it has not seen the combination. A refusal (406) is never remembered.

Off (FASTPATH_OFF=negotiation), settings name DRF's DefaultContentNegotiation instead."""

from rest_framework.negotiation import DefaultContentNegotiation


class RememberingContentNegotiation(DefaultContentNegotiation):
    _MAX = 1024
    _chosen: dict[tuple, tuple[int, str]] = {}

    def select_renderer(self, request, renderers, format_suffix=None):
        format = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        key = (request.META.get("HTTP_ACCEPT"), format, *(type(renderer) for renderer in renderers))
        chosen = self._chosen.get(key)
        if chosen is not None:
            index, media_type = chosen
            return renderers[index], media_type
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if len(self._chosen) >= self._MAX:
            self._chosen.clear()
        self._chosen[key] = (renderers.index(renderer), media_type)
        return renderer, media_type
