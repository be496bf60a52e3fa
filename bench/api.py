"""Benchmark: position sizing through the running system, against its floors.

Drives a running server (`make run`) with concurrent clients, in the same run:

- floor:    GET  /api/v1/goals/{id}/          token authentication plus one primary-key read;
- sizing:   POST /api/v1/risk/position-size/  the same, plus the write throttle, the policy
            and the audit row (one INSERT) that every decision writes;
- raw:      POST /raw/size                    the raw floor: the SQL sizing must run (token
            row, goal row, audit INSERT, commit) in a minimal WSGI app with no framework
            (bench/raw_app.py), served by gunicorn with the same settings file and worker
            count, which this script starts on a free loopback port;
- raw-read: GET  /raw/read                    the raw read floor: token row and goal row.

It prints requests/s and p50/p99 latency for each, alternating them in the same run, and
the ratios `sizing / raw floor` (target >= 0.6), `floor / raw read floor` (target >= 0.7)
and `sizing / floor`.

The bench's own data (user `bench-api`, its token, one active goal) is created with the
ORM against the same database the server uses (local settings by default), then the
clients speak HTTP only, with `Authorization: Token …`. Each client is a thread with
its own `http.client` connection (kept alive when the server allows it; gunicorn's sync
workers close it after each response, so then it reconnects). Standard library only.

    .venv/bin/python bench/api.py [--url http://127.0.0.1:8000] [--concurrency 8]
                                  [--seconds 10 | --requests 5000] [--warmup 2]
                                  [--workers 2] [--no-raw]

Sizing is a write: the server's per-user write throttle (API_THROTTLE_WRITE, default
600/minute) answers 429 long before the server is saturated. Start the server with
`API_THROTTLE_WRITE=1000000/minute` for this bench; the script warns when it sees 429.

At the end it deletes its audit rows, its goal, its token and its user, unless --keep.
--setup-only creates the data, prints the token and goal id, and exits; --cleanup
deletes the data and exits.
"""

import argparse
import http.client
import itertools
import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

BENCH_USER = "bench-api"
TIMEOUT_SECONDS = 10


# --- Data, through the ORM -------------------------------------------------------------


def django_setup() -> None:
    import django

    django.setup()


def setup_data() -> tuple[str, int]:
    """The bench user, its token and one active goal (reused when they exist)."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from goals.models import FinancialGoal, GoalState, GoalType
    from goals.services import goal_create
    from mastertrade.core import clock
    from tokens.services import api_token_create

    user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
    _, token = api_token_create(user=user, name="bench")  # hashed at rest: a fresh one per run
    goal = FinancialGoal.objects.filter(owner=user, state=GoalState.ACTIVE).first() or goal_create(
        owner=user,
        name="bench api goal",
        goal_type=GoalType.PORTFOLIO_VALUE,
        target_value=Decimal("100000"),
        current_value=Decimal("40000"),
        target_date=clock.today() + dt.timedelta(days=30),
    )
    return token, goal.pk


def cleanup_data() -> None:
    """Delete the bench user's audit rows first (they PROTECT the goal), then its goals, token and user."""
    from django.contrib.auth import get_user_model

    from goals.models import FinancialGoal
    from risk.models import GoalAdjustment

    user = get_user_model().objects.filter(username=BENCH_USER).first()
    if user is None:
        return
    adjustments, _ = GoalAdjustment.objects.filter(owner=user).delete()
    FinancialGoal.objects.filter(owner=user).delete()
    user.delete()  # and its token
    print(f"Deleted {BENCH_USER}, its goal and its {adjustments} audit rows.")


# --- The raw floor: bench/raw_app.py under gunicorn ---------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_raw_server(workers: int) -> tuple[subprocess.Popen, str]:
    """gunicorn with the project's settings file (gunicorn.conf.py), the raw app, `workers` workers."""
    root = Path(__file__).resolve().parent.parent
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["PYTHONPATH"] = str(root)
    proc = subprocess.Popen(
        [str(root / ".venv/bin/gunicorn"), "-c", str(root / "gunicorn.conf.py"), "bench.raw_app:app",
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the raw floor's gunicorn exited: {proc.stderr.read().decode()[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the raw floor's gunicorn did not open its port")


# --- Load, over HTTP ---------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    body: bytes | None = None
    url: str = ""  # the server, when it is not --url (the raw floor)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    elapsed: float = 0.0

    def percentile(self, pct: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)] if ordered else float("nan")

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0


def client(host, port, token, endpoint, deadline, budget, result, lock) -> None:
    """One client: requests back to back until the deadline or the shared request budget runs out."""
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    if endpoint.body is not None:
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_SECONDS)
    latencies, statuses = [], Counter()
    while time.monotonic() < deadline and next(budget) > 0:
        started = time.perf_counter()
        try:
            conn.request(endpoint.method, endpoint.path, body=endpoint.body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            conn.close()
            status = 0  # connection error
        latencies.append(time.perf_counter() - started)
        statuses[status] += 1
    conn.close()
    with lock:
        result.latencies.extend(latencies)
        result.statuses.update(statuses)


def load(url, token, endpoint, *, concurrency, seconds, requests, result=None) -> Result:
    """Run `concurrency` clients against one endpoint; add what they saw to `result`."""
    parts = urlsplit(endpoint.url or url)
    result, lock = result or Result(), threading.Lock()
    budget = itertools.count(requests, -1) if requests else itertools.repeat(1)
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=client, args=(parts.hostname, parts.port or 80, token, endpoint, deadline, budget, result, lock)
        )
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed += time.monotonic() - started
    return result


def measure(url, token, endpoints, *, concurrency, seconds, requests, rounds) -> dict[str, Result]:
    """Alternate the endpoints in short slices (A B, B A, A B, …) so that both see the same
    background load: on a shared machine it drifts more than the difference being measured."""
    results = {endpoint.name: Result() for endpoint in endpoints}
    for round_ in range(rounds):
        for endpoint in endpoints if round_ % 2 == 0 else endpoints[::-1]:
            load(
                url,
                token,
                endpoint,
                concurrency=concurrency,
                seconds=seconds / rounds,
                requests=math.ceil(requests / rounds) if requests else 0,
                result=results[endpoint.name],
            )
    return results


def probe(url, token, endpoint) -> None:
    """One request, to fail early and clearly when the server is not there or refuses the bench."""
    parts = urlsplit(endpoint.url or url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=TIMEOUT_SECONDS)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    try:
        conn.request(endpoint.method, endpoint.path, body=endpoint.body, headers=headers)
        response = conn.getresponse()
        body = response.read()[:300]
    except OSError as exc:
        raise SystemExit(f"No server at {url} ({exc}). Start it first: `make run` in another terminal.") from None
    finally:
        conn.close()
    if not 200 <= response.status < 300:
        raise SystemExit(f"{endpoint.method} {endpoint.path} answered {response.status}: {body!r}")


def report(name: str, result: Result) -> None:
    errors = {status: n for status, n in result.statuses.items() if not 200 <= status < 300}
    print(
        f"{name:<9} {result.ok:>8} {result.elapsed:>7.1f} {result.rps:>9.1f} "
        f"{result.percentile(50) * 1000:>8.1f} {result.percentile(99) * 1000:>8.1f}  "
        f"{errors or ''}"
    )
    if errors.get(429):
        print(
            f"WARNING: {errors[429]} answers were 429 (throttled): the server's write throttle limits this bench. "
            "Restart it with API_THROTTLE_WRITE=1000000/minute."
        )
    if errors.get(0):
        print(f"WARNING: {errors[0]} requests failed to connect or timed out.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (threads)")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per endpoint")
    parser.add_argument("--requests", type=int, default=0, help="stop each endpoint after this many requests")
    parser.add_argument("--warmup", type=float, default=2, help="unmeasured seconds per endpoint first")
    parser.add_argument("--rounds", type=int, default=10, help="slices the measurement alternates in (A B, B A, …)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2)),
                        help="the raw floor's gunicorn workers (set it to the server's)")  # fmt: skip
    parser.add_argument("--no-raw", action="store_true", help="leave out the raw floors")
    parser.add_argument("--keep", action="store_true", help="keep the bench user, goal and audit rows")
    parser.add_argument("--setup-only", action="store_true", help="create the bench data, print it, exit")
    parser.add_argument("--cleanup", action="store_true", help="delete the bench data and exit")
    args = parser.parse_args()
    if args.concurrency < 1 or args.rounds < 1 or args.seconds <= 0 or args.requests < 0 or args.warmup < 0:
        parser.error("--concurrency, --rounds and --seconds must be positive, --requests and --warmup not negative")
    if urlsplit(args.url).scheme != "http":
        parser.error("--url must be an http:// URL")

    django_setup()
    if args.cleanup:
        cleanup_data()
        return
    token, goal_id = setup_data()
    if args.setup_only:
        print(f"user {BENCH_USER}  token {token}  goal {goal_id}")
        return

    floor = Endpoint("floor", "GET", f"/api/v1/goals/{goal_id}/")
    body = json.dumps({"goal": goal_id, "base_position_size": "1000", "symbol": "BTCUSDT"}).encode()
    sizing = Endpoint("sizing", "POST", "/api/v1/risk/position-size/", body)
    endpoints, raw_server = [floor, sizing], None
    try:
        if not args.no_raw:
            raw_server, raw_url = start_raw_server(args.workers)
            endpoints += [
                Endpoint("raw", "POST", f"/raw/size?goal={goal_id}", body, url=raw_url),
                Endpoint("raw-read", "GET", f"/raw/read?goal={goal_id}", url=raw_url),
            ]
        for endpoint in endpoints:
            probe(args.url, token, endpoint)
        print(
            f"{args.url}: {args.concurrency} clients, {args.seconds:g} s"
            f"{f' or {args.requests} requests' if args.requests else ''} per endpoint, "
            f"alternating in {args.rounds} rounds, after {args.warmup:g} s of warm-up each."
        )
        if args.warmup:
            for endpoint in endpoints:
                load(args.url, token, endpoint, concurrency=args.concurrency, seconds=args.warmup, requests=0)
        results = measure(
            args.url,
            token,
            endpoints,
            concurrency=args.concurrency,
            seconds=args.seconds,
            requests=args.requests,
            rounds=args.rounds,
        )
        print()
        print(f"{'endpoint':<9} {'ok':>8} {'s':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  errors")
        for name, result in results.items():
            report(name, result)
        print()
        for label, a, b, target in [
            ("sizing / raw floor", "sizing", "raw", 0.6),
            ("floor / raw read floor", "floor", "raw-read", 0.7),
            ("sizing / floor", "sizing", "floor", None),
        ]:
            if a in results and b in results and results[b].rps:
                ratio = results[a].rps / results[b].rps
                verdict = f" (target >= {target}: {'met' if ratio >= target else 'MISSED'})" if target else ""
                print(f"{label}: {ratio:.2f}{verdict}")
    finally:
        if raw_server is not None:
            raw_server.terminate()
            raw_server.wait(timeout=10)
        if args.keep:
            print(f"Kept {BENCH_USER}, its token and goal {goal_id} (--keep).")
        else:
            cleanup_data()


if __name__ == "__main__":
    main()
