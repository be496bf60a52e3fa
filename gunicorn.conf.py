"""gunicorn settings for `make run`, the containers and the bench's raw floor;
command-line flags override them."""

import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
timeout = 30
# The access log: "-" is standard output, a path a file, empty none (WEB_ACCESS_LOG).
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
errorlog = "-"


def child_exit(server, worker):
    """A worker exited: tell prometheus_client, so its live gauges leave /metrics
    (multiprocess mode; its counters keep counting in the sum)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# gunicorn's control socket defaults to one path per OS user (~/.gunicorn/gunicorn.ctl),
# which several servers on one machine (tests, benches, a `make run`) would fight over.
control_socket_disable = True
