"""enqueue_on_commit against a real broker: nothing is published before the commit, the
message is on the broker after it (a task or its registered name), and a broker that
does not answer costs the caller one warning, not an error."""

import logging
import uuid

import pytest
from celery import Celery
from django.conf import settings
from django.db import transaction

from mastertrade.celery import app as project_app
from mastertrade.core.dispatch import enqueue_on_commit
from mastertrade.testing import free_port

pytestmark = pytest.mark.django_db


def celery_app(broker_url: str) -> tuple[Celery, str]:
    """An app of the test's own on `broker_url`, with a queue nobody else reads, and one task."""
    queue = f"test-dispatch-{uuid.uuid4().hex}"
    app = Celery("test-dispatch", broker=broker_url, set_as_current=False)
    app.conf.task_default_queue = queue

    @app.task(name="test_dispatch.echo", shared=False)  # not on the project's app
    def echo(*args, **kwargs):
        return args, kwargs

    return app, queue


@pytest.fixture
def live():
    """The test broker; the queue is deleted afterwards."""
    app, queue = celery_app(settings.CELERY_BROKER_URL)
    with app.connection_for_read() as connection:
        messages = connection.SimpleQueue(queue)
        yield app, messages
        messages.queue.delete()
        messages.close()


def test_published_after_the_commit_with_its_arguments_and_countdown(live, django_capture_on_commit_callbacks):
    app, messages = live
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            enqueue_on_commit(app.tasks["test_dispatch.echo"], 7, "x", countdown=30, key="v")
        with pytest.raises(messages.Empty):  # nothing before the commit
            messages.get_nowait()
    assert len(callbacks) == 1
    message = messages.get(timeout=10)
    message.ack()
    args, kwargs, _ = message.payload
    assert message.headers["task"] == "test_dispatch.echo"
    assert (args, kwargs) == ([7, "x"], {"key": "v"})
    assert message.headers["eta"] is not None  # the countdown went with it


def test_by_registered_name_through_the_current_app(live, django_capture_on_commit_callbacks):
    """How a service enqueues a task without importing the module that defines it."""
    app, messages = live
    app.set_current()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit("test_dispatch.echo", 5)
    finally:
        project_app.set_current()
    message = messages.get(timeout=10)
    message.ack()
    assert message.headers["task"] == "test_dispatch.echo" and message.payload[0] == [5]
    assert message.headers["eta"] is None


def test_a_broker_that_does_not_answer_is_a_warning_not_an_error(caplog, django_capture_on_commit_callbacks):
    app, _ = celery_app(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    caplog.set_level(logging.WARNING, logger="mastertrade.core.dispatch")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(app.tasks["test_dispatch.echo"], 42)
    assert len(callbacks) == 1
    [record] = [r for r in caplog.records if r.name == "mastertrade.core.dispatch"]
    assert record.levelno == logging.WARNING
    assert "broker unreachable, test_dispatch.echo(42,) not enqueued" in record.getMessage()
