"""Benchmark: what the synchronous standby costs a write (docs/performance.md).

Drives a running server (`make run`, whose stack has a standby) with concurrent clients:
position sizing (an audit INSERT and its commit) and recording a closed trade (the trade,
the goal's value, their commit), each with synchronous commit on (`make standby-on`: a
commit waits for the standby's flush) and relaxed (`make standby-off`: the standby still
streams, nothing waits for it). The modes alternate in short slices (on off, off on, …), so
both see the same background load; it prints requests/s and p50/p99 per endpoint and mode,
with the sample counts, and leaves synchronous commit on.

    API_THROTTLE_WRITE=1000000/minute make run      # another terminal
    .venv/bin/python bench/standby.py [--url http://127.0.0.1:8000] [--concurrency 4]
                                      [--requests 2000] [--rounds 10]

Uses bench/api.py's data (user `bench-api`, a goal) and clients; deletes them at the end.
"""

import argparse
import json
import math
import subprocess
from pathlib import Path

from api import Endpoint, Result, cleanup_data, django_setup, load, probe, report, setup_data

STACK = str(Path(__file__).resolve().parent.parent / "scripts" / "stack.sh")


def synchronous(on: bool) -> None:
    subprocess.run([STACK, "standby-on" if on else "standby-off"], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the running server")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent clients (threads)")
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint and mode")
    parser.add_argument("--rounds", type=int, default=10, help="slices the modes alternate in")
    args = parser.parse_args()

    django_setup()
    token, goal_id = setup_data()
    sizing = json.dumps({"goal": goal_id, "base_position_size": "1000", "symbol": "BTCUSDT"}).encode()
    trade = json.dumps(
        {
            "goal": goal_id, "symbol": "BTCUSDT", "side": "LONG", "quantity": "1", "entry_price": "100",
            "exit_price": "100.01", "profit_loss": "0.01", "status": "closed",
            "entry_time": "2026-11-01T10:00:00Z", "exit_time": "2026-11-01T11:00:00Z",
        }
    ).encode()  # fmt: skip
    endpoints = [
        Endpoint("sizing", "POST", "/api/v1/risk/position-size/", sizing),
        Endpoint("trade", "POST", "/api/v1/trades/", trade),
    ]
    results = {(e.name, mode): Result() for e in endpoints for mode in ("sync", "relaxed")}
    try:
        for endpoint in endpoints:
            probe(args.url, token, endpoint)
        per_slice = math.ceil(args.requests / args.rounds)
        for round_ in range(args.rounds):
            for mode in ("sync", "relaxed") if round_ % 2 == 0 else ("relaxed", "sync"):
                synchronous(mode == "sync")
                for endpoint in endpoints:
                    load(args.url, token, endpoint, concurrency=args.concurrency, seconds=3600,
                         requests=per_slice, result=results[(endpoint.name, mode)])  # fmt: skip
        print(f"{args.url}: {args.concurrency} clients, {args.requests} requests per endpoint and mode")
        print(f"{'endpoint':<17} {'ok':>8} {'s':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  errors")
        for (name, mode), result in results.items():
            report(f"{name} {mode}", result)
    finally:
        synchronous(True)
        cleanup_data()


if __name__ == "__main__":
    main()
