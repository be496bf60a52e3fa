"""The `prometheus_middleware` piece: one middleware for the request metrics that are read.
Off (FASTPATH_OFF=prometheus_middleware), settings put django-prometheus's
PrometheusBeforeMiddleware first and PrometheusAfterMiddleware last in MIDDLEWARE instead."""

from timeit import default_timer

from django_prometheus import middleware as django_prometheus_middleware

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT", "PATCH"})


class PrometheusMiddleware:
    """The request metrics `/metrics` documents and the dashboards read, and no others:
    requests by view and method, responses by status, view and method, latency by view
    and method, exceptions by type (django-prometheus's metrics, same names and labels).

    It replaces django-prometheus's Before/After pair, which wrote a dozen series per
    request (request and response totals, by method, by transport, by charset, body-size
    histograms, latency including middleware…) that nothing reads: each write is a
    locked, memory-mapped update in multiprocess mode, a tenth of a goal read's CPU.
    It sits last in the chain, where PrometheusAfterMiddleware was, so the latency is the
    same span (the URL resolution, the view and the response). Labelled children are
    kept per label set (label values come from routes, methods and status codes: bounded).
    """

    _MAX_CHILDREN = 10_000

    def __init__(self, get_response):
        self.get_response = get_response
        self.metrics = django_prometheus_middleware.Metrics.get_instance()
        self._children = {}

    def _child(self, metric, *labels):
        key = (id(metric), *labels)
        found = self._children.get(key)
        if found is None:
            if len(self._children) >= self._MAX_CHILDREN:
                self._children.clear()
            found = self._children[key] = metric.labels(*labels)
        return found

    def __call__(self, request):
        started = default_timer()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "<invalid method>"
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match is not None else None) or "<unnamed view>"
        metrics = self.metrics
        if match is not None:
            transport = "https" if request.is_secure() else "http"
            self._child(metrics.requests_by_view_transport_method, view, transport, method).inc()
        self._child(metrics.responses_by_status_view_method, str(response.status_code), view, method).inc()
        self._child(metrics.requests_latency_by_view_method, view, method).observe(default_timer() - started)
        return response

    def process_exception(self, request, exception):
        self._child(self.metrics.exceptions_by_type, type(exception).__name__).inc()
