"""The `prometheus_middleware` piece against django-prometheus's Before/After pair: the same
API requests move the series it records (requests by view, transport and method;
responses by status, view and method; latency observations; exceptions by type) by the
same amounts."""

import pytest
from django.test import Client
from django_prometheus.middleware import Metrics

from goals.factories import GoalFactory
from tokens.services import api_token_create

pytestmark = pytest.mark.django_db

OURS = "mastertrade.fastpath.prometheus.PrometheusMiddleware"
BEFORE, AFTER = (
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
)


def _series(view, method, status):
    metrics = Metrics.get_instance()
    latency = metrics.requests_latency_by_view_method.labels(view, method)
    return (
        metrics.requests_by_view_transport_method.labels(view, "http", method)._value.get(),
        metrics.responses_by_status_view_method.labels(status, view, method)._value.get(),
        sum(bucket.get() for bucket in latency._buckets),
    )


def _requests(key, goal):
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    moved = []
    for path, view, status in (
        (f"/api/v1/goals/{goal.pk}/", "goal-detail", "200"),
        ("/api/v1/goals/999999999/", "goal-detail", "404"),
        ("/health/", "health", "200"),
    ):
        before = _series(view, "GET", status)
        assert client.get(path).status_code == int(status)
        moved.append([a - b for a, b in zip(_series(view, "GET", status), before, strict=True)])
    return moved


def test_our_middleware_records_what_django_prometheus_records(settings, user):
    goal = GoalFactory(owner=user)
    _, key = api_token_create(user=user, name="prometheus-oracle")
    plain = [path for path in settings.MIDDLEWARE if path not in (OURS, BEFORE, AFTER)]
    settings.MIDDLEWARE = [*plain, OURS]
    ours = _requests(key, goal)
    settings.MIDDLEWARE = [BEFORE, *plain, AFTER]
    theirs = _requests(key, goal)
    assert ours == theirs == [[1, 1, 1]] * 3


def test_an_exception_is_counted_by_type_as_django_prometheus_counts_it(rf):
    from django.urls import resolve
    from django_prometheus.middleware import PrometheusAfterMiddleware

    from mastertrade.fastpath.prometheus import PrometheusMiddleware

    counted = Metrics.get_instance().exceptions_by_type.labels("KeyError")
    moved = []
    for middleware in (PrometheusMiddleware, PrometheusAfterMiddleware):
        before = counted._value.get()
        request = rf.get("/health/")
        request.resolver_match = resolve("/health/")
        middleware(lambda request: None).process_exception(request, KeyError("x"))
        moved.append(counted._value.get() - before)
    assert moved == [1, 1]


def test_the_chain_follows_the_switch(settings):
    from mastertrade.fastpath import on

    if on("prometheus_middleware"):
        assert settings.MIDDLEWARE[-1] == OURS and BEFORE not in settings.MIDDLEWARE
    else:
        assert (settings.MIDDLEWARE[0], settings.MIDDLEWARE[-1]) == (BEFORE, AFTER) and OURS not in settings.MIDDLEWARE
