"""How fast the reconciliation sweep re-syncs customers under its Stripe budget.

Usage: .venv/bin/python bench/sweep_throughput.py [--customers N] [--reads R] [--latency S]

The sweep's rules (domain/sweep.py) on the in-memory ports of the rule tests, with each
Stripe request taking ``--latency`` seconds and waiting on the same token bucket the
function uses (adapters/rate_limit.py) at ``--reads`` requests a second. Half the
customers paid without a webhook (to be corrected). The ceiling is the budget itself: a
full pass needs one request per page plus two per customer (Stripe's subscriptions before
and after the sync), so it cannot beat ``reads / 2`` customers a second.

Printed: requests, seconds, customers a second, the budget's ceiling, the ratio (target
>= 0.9: concurrency hides Stripe's latency, so the budget is the only limit), the highest
number of requests seen in any one second (target <= reads + 1), corrections.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "handlers"))

from apisales.adapters.rate_limit import TokenBucket  # noqa: E402
from apisales.domain.sweep import SweepSettings  # noqa: E402
from tests.handlers.sweep_world import World  # noqa: E402

TARGET_RATIO = 0.9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--reads", type=float, default=10.0)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    world = World()
    world.stripe.list_page_size = 100  # Stripe's, as the adapter asks
    world.users.walk_page_size = 200  # the adapter's Scan page
    for n in range(args.customers):
        world.paid_user(f"user{n:05d}", f"cus_{n:05d}", applied=n % 2 == 0)
    bucket = TokenBucket(args.reads)
    sent: list[float] = []
    lock = threading.Lock()
    plain = world.stripe._call

    def limited_request(name: str) -> None:
        bucket.acquire()
        with lock:
            sent.append(time.monotonic())
        time.sleep(args.latency)
        plain(name)

    world.stripe._call = limited_request  # type: ignore[method-assign]
    sweep = world.sweep(settings=SweepSettings(concurrency=args.concurrency))
    sweep.clock = time.time  # a real run: the lease and cursor on the wall clock
    started = time.monotonic()
    report = sweep.run()
    seconds = time.monotonic() - started

    rate = args.customers / seconds
    ceiling = args.reads / 2
    busiest = max(sum(1 for t in sent if s <= t < s + 1.0) for s in sent)
    print(f"customers            {args.customers}")
    print(f"stripe requests      {len(sent)} at a budget of {args.reads:g}/s, "
          f"latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}")
    print(f"seconds              {seconds:.2f}")
    print(f"customers per second {rate:.2f} (ceiling {ceiling:.2f}: ratio {rate / ceiling:.2f}, "
          f"target >= {TARGET_RATIO})")
    print(f"busiest second       {busiest} requests (target <= {args.reads + 1:g})")
    print(f"corrections          {len(report.corrections)} (expected {args.customers // 2})")
    ok = rate / ceiling >= TARGET_RATIO and busiest <= args.reads + 1
    return 0 if ok and report.status.value == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
