"""Helpers the test suites share: wait for something observable, find a free port."""

import socket
import time


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until predicate() is truthy and return its value, or None once `timeout`
    seconds have passed: a bounded wait for a row, a response, a file — never a sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value or None
        time.sleep(interval)


def wait_until(predicate, timeout: float, interval: float = 0.1) -> float | None:
    """Seconds it took for predicate() to hold, or None if it never did."""
    start = time.monotonic()
    return None if wait_for(predicate, timeout, interval) is None else time.monotonic() - start


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
