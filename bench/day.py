"""Load scenario: a trading engine's day, replayed at a stated rate for a bounded time.

Against a running server (`make run`), an engine places orders at `--rate` per second
for `--seconds` seconds (open loop: orders are started on schedule whatever the server
does). Each order is what a real engine does:

- it reads the goal (`GET /api/v1/goals/{id}/`) and asks for a size
  (`POST /api/v1/risk/position-size/`);
- about half the orders fill: the fill is recorded as an open trade linked to the goal
  (`POST /api/v1/trades/`, with an `external_id`), and a later order closes an earlier
  fill (`POST /api/v1/trades/{id}/close/`), which moves the goal;
- every `--select-every` seconds it asks which strategy should run
  (`POST /api/v1/strategies/select/`).

It reports, per endpoint, requests, throughput, p50/p99 latency and errors (any answer
other than the expected 2xx is an error, and the scenario exits non-zero), plus how late
the schedule ran. Standard library only.

    .venv/bin/python bench/day.py [--url http://127.0.0.1:8000] [--rate 20] [--seconds 60]
                                  [--select-every 10] [--clients 8] [--seed 1]

Writes are throttled per user (API_THROTTLE_WRITE, default 600/minute): a rate above
~4 orders/s needs the server started with a higher limit, e.g.
`API_THROTTLE_WRITE=1000000/minute make run`. The scenario's user (`bench-day`), goal,
strategies, trades and audit rows are deleted at the end unless --keep.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import queue
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mastertrade.settings.local")

USER = "bench-day"


def setup() -> tuple[str, int]:
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from goals.models import GoalType
    from goals.services import goal_create
    from mastertrade.core import clock
    from strategies.services import strategy_create
    from tokens.services import api_token_create

    cleanup()
    user = get_user_model().objects.create(username=USER)
    _, token = api_token_create(user=user, name="bench-day")
    today = clock.today()
    goal = goal_create(
        owner=user,
        name="bench day goal",
        goal_type=GoalType.MONTHLY_INCOME,
        target_value=Decimal("5000"),
        current_value=Decimal("1000"),
        start_date=today - dt.timedelta(days=10),
        target_date=today + dt.timedelta(days=20),
    )
    for strategy_id, kind in [("day-momentum", "momentum"), ("day-reversion", "mean_reversion")]:
        strategy_create(owner=user, strategy_id=strategy_id, name=strategy_id, strategy_type=kind)
    return token, goal.pk


def cleanup() -> None:
    from django.contrib.auth import get_user_model

    from goals.models import FinancialGoal
    from risk.models import GoalAdjustment
    from strategies.models import StrategyInstance
    from trades.models import Trade

    user = get_user_model().objects.filter(username=USER).first()
    if user is None:
        return
    from strategies.models import StrategySelection

    GoalAdjustment.objects.filter(owner=user).delete()
    StrategySelection.objects.filter(goal__owner=user).delete()
    Trade.objects.filter(owner=user).delete()
    StrategyInstance.objects.filter(owner=user).delete()
    FinancialGoal.objects.filter(owner=user).delete()
    user.delete()


class Engine:
    """The engine's HTTP side: one connection per client thread, results per endpoint."""

    def __init__(self, url: str, token: str, goal_id: int, seed: int):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.goal_id = goal_id
        self.latency = defaultdict(list)
        self.errors = defaultdict(list)
        self.lock = threading.Lock()
        self.local = threading.local()
        self.random = random.Random(seed)
        self.open_fills = queue.Queue()
        self.fills = 0

    def call(self, name: str, method: str, path: str, body=None, expect=(200, 201)):
        conn = getattr(self.local, "conn", None) or http.client.HTTPConnection(self.host, self.port, timeout=10)
        self.local.conn = conn
        started = time.perf_counter()
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=self.headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            status, data = 0, str(exc).encode()
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latency[name].append(elapsed)
            if status not in expect:
                self.errors[name].append((status, data[:200]))
        return status, data

    def order(self, n: int) -> None:
        self.call("goal read", "GET", f"/api/v1/goals/{self.goal_id}/")
        size = {"goal": self.goal_id, "base_position_size": "1.5", "symbol": "BTCUSDT"}
        status, data = self.call("sizing", "POST", "/api/v1/risk/position-size/", size)
        if status != 200 or json.loads(data)["adjusted_size"] in ("0", "0.00000000"):
            return  # no size: no order
        with self.lock:
            fill = self.random.random() < 0.5
            pnl = self.random.choice(["12.50", "-8.00", "20.00", "-4.25"])
        if fill:
            now = dt.datetime.now(dt.UTC).isoformat()
            trade = {
                "goal": self.goal_id,
                "strategy": "day-momentum",
                "symbol": "BTCUSDT",
                "side": "LONG",
                "quantity": "1.5",
                "entry_price": "100",
                "entry_time": now,
                "external_id": f"day-{os.getpid()}-{n}",
            }
            status, data = self.call("trade", "POST", "/api/v1/trades/", trade)
            if status == 201:
                self.open_fills.put((json.loads(data)["id"], pnl))
        if n % 2 == 1:
            try:
                trade_id, pnl = self.open_fills.get_nowait()
            except queue.Empty:
                return
            close = {"exit_price": "101", "profit_loss": pnl}
            self.call("trade close", "POST", f"/api/v1/trades/{trade_id}/close/", close)

    def select(self) -> None:
        self.call("selection", "POST", "/api/v1/strategies/select/", {"goal": self.goal_id})


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(pct / 100 * len(ordered))) - 1)] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--rate", type=float, default=20, help="orders per second")
    parser.add_argument("--seconds", type=float, default=60, help="how long the day lasts")
    parser.add_argument("--select-every", type=float, default=10, help="seconds between strategy selections")
    parser.add_argument("--clients", type=int, default=8, help="concurrent engine threads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not (0 < args.rate <= 1000 and 0 < args.seconds <= 3600 and args.clients >= 1 and args.select_every > 0):
        parser.error("--rate in (0, 1000], --seconds in (0, 3600], --clients >= 1, --select-every > 0")

    token, goal_id = setup()
    engine = Engine(args.url, token, goal_id, args.seed)
    jobs: queue.Queue = queue.Queue()
    lateness = []

    def worker():
        while (job := jobs.get()) is not None:
            due, action = job
            lateness.append(max(0.0, time.monotonic() - due))
            action()

    threads = [threading.Thread(target=worker) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    start = time.monotonic()
    n, next_select = 0, start
    try:
        while (due := start + n / args.rate) < start + args.seconds:
            time.sleep(max(0.0, due - time.monotonic()))
            jobs.put((due, lambda n=n: engine.order(n)))
            if due >= next_select:
                jobs.put((due, engine.select))
                next_select += args.select_every
            n += 1
    finally:
        for _ in threads:
            jobs.put(None)
        for thread in threads:
            thread.join()
    elapsed = time.monotonic() - start

    print(f"{args.url}: {n} orders at {args.rate:g}/s over {args.seconds:g} s, {args.clients} clients")
    print(f"{'endpoint':<12} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    failed = 0
    for name, values in sorted(engine.latency.items()):
        errors = len(engine.errors[name])
        failed += errors
        print(
            f"{name:<12} {len(values):>8} {len(values) / elapsed:>8.1f} {percentile(values, 50) * 1000:>8.1f} "
            f"{percentile(values, 99) * 1000:>8.1f} {errors:>7}"
        )
    print(
        f"schedule lateness: p50 {percentile(lateness, 50) * 1000:.1f} ms, p99 {percentile(lateness, 99) * 1000:.1f} ms"
    )
    for name, errors in engine.errors.items():
        for status, body in errors[:3]:
            print(f"error: {name} answered {status}: {body!r}")
    if not args.keep:
        cleanup()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
