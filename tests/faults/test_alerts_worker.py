"""Alert delivery survives a worker killed in the middle of a send: after a restart the
delivery completes, once, under the same webhook-id (a receiver that deduplicates by
webhook-id, as Standard Webhooks asks, processes it once)."""

import os
import signal
import subprocess
import threading

import pytest
from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook
from werkzeug import Response

from alerts import crypto
from alerts.factories import ChannelFactory, RuleFactory
from alerts.models import Delivery
from alerts.services.notifications import alert_report
from mastertrade.celery import app
from mastertrade.testing import app_process_env, celery_worker_start, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def start_worker(tmp_path, n: int) -> subprocess.Popen:
    env = app_process_env(ALERTS_CLAIM_STALE_SECONDS="2", ALERTS_HTTP_READ_TIMEOUT="1")
    return celery_worker_start(
        tmp_path / f"worker-{n}.log", hostname=f"alerts-fault-{os.getpid()}-{n}@localhost", env=env
    )


@pytest.fixture
def slow_receiver():
    """A threaded receiver whose first request hangs until released (the worker is
    killed meanwhile); later requests answer 200 at once."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    release, seen = threading.Event(), []

    def handle(request):
        seen.append(request)
        if len(seen) == 1:
            release.wait(20)
        return Response("ok")

    server.expect_request("/hook").respond_with_handler(handle)
    server.start()
    yield server, seen, release
    release.set()
    server.stop()


def test_worker_killed_mid_delivery_sends_once_after_restart(tmp_path, slow_receiver):
    server, seen, release = slow_receiver
    channel = ChannelFactory(url=server.url_for("/hook"))
    rule = RuleFactory(owner=channel.owner, channels=[channel])
    worker = start_worker(tmp_path, 1)
    try:
        alert_report(rule=rule, subject="s", condition="c", firing=True, title="t", detail="")  # → worker
        assert wait_for(lambda: len(seen) == 1), "the first send never reached the receiver"
        os.kill(worker.pid, signal.SIGKILL)  # mid-request: the worker never hears the answer
        worker.wait(10)
        release.set()
        delivery = Delivery.objects.get()
        assert delivery.status == "sending"
        worker = start_worker(tmp_path, 2)

        def sent():  # the tick (as beat sends it) picks up the delivery lost with the worker
            app.send_task("alerts.tick")
            return Delivery.objects.filter(pk=delivery.pk, status="sent").exists()

        assert wait_for(sent, timeout=30, interval=0.5)
    finally:
        worker.terminate()
        worker.wait(15)
    secret = crypto.decrypt(channel.secret)["secret"]
    ids = {Webhook(secret).verify(r.get_data(), dict(r.headers)) and r.headers["webhook-id"] for r in seen}
    assert ids == {str(delivery.message_id)}  # one message, however many tries
    assert len(seen) == 2
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert list(delivery.attempt_log.values_list("outcome", flat=True)) == ["sent", "lost"]
