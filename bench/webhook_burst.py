"""A webhook burst end to end in the sandbox (prints figures and the ratio to target).

Usage: .venv/bin/python bench/webhook_burst.py [--users N] [--months M] [--budget SECONDS]

The program is deployed into ministack by the sandbox itself (`sandbox.run.Sandbox`: the
Stripe price and webhook endpoint are set up there, as `bin/sandbox` does). Setup, not
measured: N Cognito users, each with a FREE key (`POST /account/api-key`) and a Checkout
Session (`POST /billing/checkout`), both through the deployed API. Then the burst, with
duplicate and shuffled (out-of-order) delivery on: the users pay through the double's API,
then month after month the global test clock moves 32 days (renewals, failed renewals and
their retries, period-end cancellations) while some users cancel at period end or at once
through the Stripe API. The script waits while more than a small backlog of deliveries is
pending, so the webhook function is always busy and the double's state grows all along.

Printed: webhook deliveries per second over the first and the last 20% of the burst's
deliveries and their ratio (target >= 0.8), the time from the last Stripe change until every
user's record and key match Stripe, users correct/incorrect, and 5xx answers (target 0).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.exceptions
import stripe

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.deploy.config import NAMESPACE  # noqa: E402
from sandbox.run import Sandbox, SandboxOptions  # noqa: E402
from sandbox.run.sandbox import STRIPE_STATE_FILE  # noqa: E402
from sandbox.stripe_double import StripeDouble  # noqa: E402
from tests.sandbox.api_client import call  # noqa: E402
from tests.sandbox.users import make_test_client, signed_in_user  # noqa: E402

DAY = 86400
TARGET_RATIO = 0.8
WINDOW = 0.2  # first / last fraction of the burst's deliveries
BACKLOG = 16  # deliveries kept pending: enough to keep both delivery workers busy
ENTITLED = {"active", "trialing"}
PAYS, FAILS_RENEWAL = "4242424242424242", "4000000000000341"


@dataclass
class User:
    n: int
    user_id: str
    token: str
    session_id: str = ""
    subscription_id: str = ""
    fate: str = "stays"  # stays | ends (cancel at period end) | quits (cancel now) | lapses

    @property
    def card(self) -> str:
        return FAILS_RENEWAL if self.fate == "lapses" else PAYS


FATES = ("stays", "stays", "stays", "ends", "quits", "lapses")


# -- setup: users, keys and checkout sessions through the deployed API --------------------
def _user_id(token: str) -> str:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def _api(sb: Sandbox, method: str, path: str, token: str) -> dict[str, Any]:
    answer = call(method, sb.stack.api_url + path, {}, headers={"Authorization": token})
    if answer.status >= 300:
        raise RuntimeError(f"{method} {path}: {answer.status} {answer.body[:300]!r}")
    return answer.json()


def start_checkout(sb: Sandbox, user: User) -> None:
    user.session_id = _api(sb, "POST", "/billing/checkout", user.token)["session_id"]


def create_users(sb: Sandbox, count: int, months: int) -> list[User]:
    """Users with a FREE key; those who pay in the first month already have a session
    (a session expires after a day, so later payers start theirs when they pay)."""
    cognito = sb.stack.client("cognito-idp")
    client_id = make_test_client(cognito, sb.stack.user_pool_id)

    def one(n: int) -> User:
        token = signed_in_user(cognito, sb.stack.user_pool_id, client_id)
        user = User(n, _user_id(token), token, fate=FATES[n % len(FATES)])
        _api(sb, "POST", "/account/api-key", token)
        if n % months == 0:
            start_checkout(sb, user)
        return user

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


# -- the burst ----------------------------------------------------------------------------
@dataclass
class Step:
    label: str
    run: Callable[[], None]


def burst_steps(sb: Sandbox, client: stripe.StripeClient, users: list[User],
                months: int) -> Iterator[Step]:  # fmt: skip
    """Users join over the months (so the state grows all along); a month after joining,
    'ends' users cancel at period end and 'quits' users cancel at once."""
    double = sb.stripe
    assert double is not None

    def pay(user: User) -> None:
        if not user.session_id:
            start_checkout(sb, user)
        session = double.pay_checkout_session(user.session_id, card=user.card)
        user.subscription_id = session["subscription"]

    def cancel(user: User) -> None:
        if user.fate == "ends":
            client.v1.subscriptions.update(user.subscription_id,
                                           params={"cancel_at_period_end": True})  # fmt: skip
        else:
            client.v1.subscriptions.cancel(user.subscription_id)

    for month in range(months + 1):
        if month < months:
            for user in users[month::months]:
                yield Step(f"pay {user.n}", lambda u=user: pay(u))
        for user in users[max(month - 1, 0)::months] if month else []:
            if user.fate in ("ends", "quits") and user.subscription_id:
                yield Step(f"cancel {user.n}", lambda u=user: cancel(u))
        yield Step(f"month {month + 1}", lambda: double.advance_clock(32 * DAY))


def run_burst(double: StripeDouble, steps: Iterator[Step], deadline: float) -> tuple[float, bool]:
    """Runs the steps, each once the backlog is low. Returns (time of the last change, done)."""
    last_change = time.time()
    for step in steps:
        while double.pending_deliveries() > BACKLOG:
            if time.monotonic() > deadline:
                return last_change, False
            time.sleep(0.05)
        step.run()
        last_change = time.time()
    return last_change, True


# -- checking every user against Stripe ---------------------------------------------------
def mismatches(sb: Sandbox, users: list[User]) -> dict[str, list[str]]:
    """User id -> what differs between their record/key and Stripe (empty when correct)."""
    assert sb.stripe is not None
    grace = str(sb.config.get(f"{NAMESPACE}:graceOnPastDue", "false")).lower() == "true"
    plans = {p["name"]: p for p in sb.config[f"{NAMESPACE}:plans"]}
    paid = next(name for name, p in plans.items() if p.get("price"))
    free = next(name for name, p in plans.items() if not p.get("price"))
    apigw, dynamo = sb.stack.client("apigateway"), sb.stack.client("dynamodb")
    key_plans: dict[str, set[str]] = {}
    for plan, usage_plan_id in sb.stack.usage_plan_ids.items():
        for page in apigw.get_paginator("get_usage_plan_keys").paginate(usagePlanId=usage_plan_id):
            for item in page["items"]:
                key_plans.setdefault(item["id"], set()).add(plan)
    out: dict[str, list[str]] = {}
    for user in users:
        item = dynamo.get_item(TableName=sb.stack.table_names["users"],
                               Key={"user_id": {"S": user.user_id}},
                               ConsistentRead=True).get("Item", {})  # fmt: skip
        record = {k: next(iter(v.values())) for k, v in item.items()}
        sub = sb.stripe.get(user.subscription_id) if user.subscription_id else None
        status = sub["status"] if sub else None
        plan = paid if status in ENTITLED or (grace and status == "past_due") else free
        want = {"plan": plan, "key_plan": plan, "subscription_status": status}
        if sub:
            want["subscription_id"] = sub["id"]
            want["cancel_at_period_end"] = sub["cancel_at_period_end"]
            want["current_period_end"] = str(sub["items"]["data"][0]["current_period_end"])
        wrong = [f"{k}={record.get(k)!r} (Stripe: {v!r})" for k, v in want.items()
                 if record.get(k) != v]  # fmt: skip
        if key_plans.get(record.get("api_key_id", ""), set()) != {plan}:
            wrong.append(f"key on {sorted(key_plans.get(record.get('api_key_id', ''), []))}"
                         f" (Stripe: {plan})")  # fmt: skip
        out[user.user_id] = wrong
    return out


Check = dict[str, list[str]]


def wait_until_correct(sb: Sandbox, users: list[User],
                       timeout: float) -> tuple[float | None, Check]:  # fmt: skip
    """Polls until every user matches Stripe; (when it first did, the last check)."""
    deadline = time.monotonic() + timeout
    while True:
        result = mismatches(sb, users)
        if not any(result.values()):
            return time.time(), result
        if time.monotonic() > deadline:
            return None, result
        time.sleep(1.0)


# -- where the time goes: the webhook path's calls, timed one by one ----------------------
def probe(sb: Sandbox, client: stripe.StripeClient, user: User) -> dict[str, float]:
    """Median ms of each kind of call the webhook makes (taken before and after the burst:
    whatever grows with the state shows here)."""
    assert sb.stripe is not None
    stack, tables = sb.stack, sb.stack.table_names
    dynamo, apigw = stack.client("dynamodb"), stack.client("apigateway")
    cognito = stack.client("cognito-idp")
    record = dynamo.get_item(TableName=tables["users"],
                             Key={"user_id": {"S": user.user_id}})["Item"]  # fmt: skip
    customer, key_id = record["stripe_customer_id"]["S"], record["api_key_id"]["S"]
    plan_id = next(iter(stack.usage_plan_ids.values()))
    calls: dict[str, Callable[[], object]] = {
        "double: list a customer's subscriptions": lambda: client.v1.subscriptions.list(
            params={"customer": customer, "status": "all"}),
        "double: retrieve a checkout session": lambda: client.v1.checkout.sessions.retrieve(
            user.session_id),
        "dynamodb: get a processed event": lambda: dynamo.get_item(
            TableName=tables["stripe-events"], Key={"event_id": {"S": "evt_probe"}},
            ConsistentRead=True),
        "dynamodb: user by customer (GSI)": lambda: dynamo.query(
            TableName=tables["users"], IndexName="by_stripe_customer_id",
            KeyConditionExpression="stripe_customer_id = :c",
            ExpressionAttributeValues={":c": {"S": customer}}),
        "apigateway: get usage plan key": lambda: _tolerant(
            lambda: apigw.get_usage_plan_key(usagePlanId=plan_id, keyId=key_id)),
        "cognito: list users": lambda: cognito.list_users(
            UserPoolId=stack.user_pool_id, Limit=1),
        "webhook Lambda, refused signature": lambda: call(
            "POST", stack.webhook_url, {"id": "evt_probe"},
            headers={"Stripe-Signature": "t=1,v1=00"}),
    }  # fmt: skip
    out = {}
    for name, fn in calls.items():
        times = []
        for _ in range(7):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        out[name] = statistics.median(times) * 1000
    return out


def _tolerant(fn: Callable[[], object]) -> None:
    with contextlib.suppress(botocore.exceptions.ClientError):  # on the other plan: 404
        fn()


# -- figures ------------------------------------------------------------------------------
def window_rate(entries: list[dict[str, Any]], start: float) -> float:
    """Deliveries per second over `entries` (sorted by completion), counted from `start`."""
    span = entries[-1]["at"] - start
    return len(entries) / span if span > 0 else float("inf")


def report(sb: Sandbox, users: list[User], log: list[dict[str, Any]], burst_start: float,
           last_change: float, completed: bool, correct_at: float | None,
           check: dict[str, list[str]], setup_seconds: float,
           probes: tuple[dict[str, float], dict[str, float]]) -> bool:  # fmt: skip
    log = sorted(log, key=lambda e: e["at"])
    n = len(log)
    k = max(1, int(n * WINDOW))
    first = window_rate(log[:k], burst_start) if n else 0.0
    last = window_rate(log[-k:], log[-k - 1]["at"] if n > k else burst_start) if n else 0.0
    overall = n / (log[-1]["at"] - burst_start) if n else 0.0
    ratio = last / first if first else 0.0
    answer_first = statistics.median(e["duration"] for e in log[:k]) if n else 0.0
    answer_last = statistics.median(e["duration"] for e in log[-k:]) if n else 0.0
    statuses = Counter(e["status"] for e in log)
    five_xx = sum(c for s, c in statuses.items() if s is not None and s >= 500)
    no_answer = statuses.get(None, 0)
    events = {e["event_id"] for e in log}
    types = Counter(e["type"] for e in log if not e["duplicate"] and e["attempt"] == 1)
    wrong = {u: w for u, w in check.items() if w}
    state = Path(sb.workdir) / STRIPE_STATE_FILE
    journal = state.with_name(state.name + ".journal")
    assert sb.stripe is not None
    with sb.stripe.store.lock:
        objects = len(sb.stripe.store.objects)
        state_mb = len(sb.stripe.store.state().to_json()) / 1e6
    on_disk_mb = sum(p.stat().st_size for p in (state, journal) if p.exists()) / 1e6
    fates = Counter(u.fate for u in users)
    ok_ratio = ratio >= TARGET_RATIO
    lines = [
        "",
        "webhook burst (sandbox: ministack + deployed program + Stripe double; "
        "duplicate + shuffled delivery)",
        f"  users                 {len(users)} ({', '.join(f'{c} {f}' for f, c in fates.items())})"
        f"; setup {setup_seconds:.0f} s",
        f"  deliveries            {n} attempts of {len(events)} distinct events"
        f" ({sum(1 for e in log if e['duplicate'])} duplicates)"
        + ("" if completed else "  [budget hit: the script did not finish]"),
        f"  event types           {', '.join(f'{t} {c}' for t, c in sorted(types.items()))}",
        f"  double's state        {objects} objects, {state_mb:.1f} MB as JSON "
        f"({on_disk_mb:.1f} MB snapshot + journal on disk)",
        f"  rate, first {WINDOW:.0%}        {first:6.2f} deliveries/s",
        f"  rate, last {WINDOW:.0%}         {last:6.2f} deliveries/s   (overall {overall:.2f})",
        f"  webhook answer time   median {answer_first * 1000:.0f} ms (first {WINDOW:.0%}), "
        f"{answer_last * 1000:.0f} ms (last {WINDOW:.0%})",
        f"  end / start           {ratio:6.2f}   target >= {TARGET_RATIO}  "
        f"{'OK' if ok_ratio else 'MISSED'}",
        "  every user matches    " + (f"{correct_at - last_change:.1f} s after the last Stripe "
                                      "change" if correct_at else "NOT reached"),
        f"  users correct         {len(users) - len(wrong)} / {len(users)}"
        f"   incorrect {len(wrong)}  (target 0)",
        f"  5xx answers           {five_xx}   (target 0); no answer {no_answer}; "
        f"statuses {dict(sorted(statuses.items(), key=lambda i: str(i[0])))}",
    ]
    lines.append("  where the time goes   median ms per call, before -> after the burst:")
    for name, before in probes[0].items():
        lines.append(f"    {name:42s} {before:7.1f} -> {probes[1][name]:7.1f}")
    for user_id, what in list(wrong.items())[:5]:
        lines.append(f"    {user_id}: {'; '.join(what)}")
    print("\n".join(lines), flush=True)
    return ok_ratio and not wrong and five_xx == 0 and completed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=120, help="paying users (120)")
    parser.add_argument("--months", type=int, default=4, help="months the clock moves (4)")
    parser.add_argument("--budget", type=float, default=1200,
                        help="seconds the burst may take before it stops early (1200)")
    parser.add_argument("--settle", type=float, default=180,
                        help="seconds to wait for every user to match Stripe (180)")
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    with tempfile.TemporaryDirectory(prefix="webhook-burst-") as workdir:
        options = SandboxOptions(workdir=Path(workdir), port_web=0, port_ministack=0,
                                 port_stripe=0, mode="fresh", demo_mail=False, persist=False)
        print(f"starting the sandbox in {workdir} (deploys the program into ministack)...",
              flush=True)  # fmt: skip
        with Sandbox(options, log=lambda line: print(f"sandbox: {line}", flush=True)) as sb:
            assert sb.stripe is not None
            double = sb.stripe
            started = time.monotonic()
            print(f"setting up {args.users} users (Cognito user, FREE key, Checkout Session "
                  "through the deployed API)...", flush=True)  # fmt: skip
            users = create_users(sb, args.users, args.months)
            double.wait_for_deliveries(120)
            setup_seconds = time.monotonic() - started
            double.configure_delivery(duplicate=True, order="shuffle")
            client = stripe.StripeClient(double.api_key, base_addresses={"api": double.url},
                                         max_network_retries=0)  # fmt: skip
            probe_before = probe(sb, client, users[0])
            double.wait_for_deliveries(30)
            first_entry = len(double.deliveries())
            burst_start = time.time()
            print(f"burst: {args.months} months, backlog {BACKLOG}, budget {args.budget:.0f} s"
                  "...", flush=True)  # fmt: skip
            deadline = time.monotonic() + args.budget
            last_change, completed = run_burst(
                double, burst_steps(sb, client, users, args.months), deadline)
            double.wait_for_deliveries(max(deadline - time.monotonic(), 60))
            correct_at, check = wait_until_correct(sb, users, args.settle)
            log = double.deliveries()[first_entry:]
            probe_after = probe(sb, client, users[0])
            ok = report(sb, users, log, burst_start, last_change, completed, correct_at, check,
                        setup_seconds, (probe_before, probe_after))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
