"""gunicorn settings for `make run` and the containers; command-line flags override them."""

import os


def child_exit(server, worker):
    """A worker exited: tell prometheus_client, so its live gauges leave /metrics
    (multiprocess mode; its counters keep counting in the sum)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# gunicorn's control socket defaults to one path per OS user (~/.gunicorn/gunicorn.ctl),
# which several servers on one machine (tests, benches, a `make run`) would fight over.
control_socket_disable = True
