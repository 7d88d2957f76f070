"""`python -m sandbox.stripe_double --port N`: run the double until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .double import DEFAULT_API_KEY, StripeDouble


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.stripe_double", description="Run the Stripe test double."
    )
    parser.add_argument("--port", type=int, default=12111, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-file", help="persist state to this JSON file")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="secret key clients must use")
    parser.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="URL",
        help="register a webhook endpoint for all events (prints its secret)",
    )
    parser.add_argument(
        "--seed-fm-mail",
        action="store_true",
        help="create the FM Mail PRO price (lookup key FMMailPro, 980 JPY/month)",
    )
    parser.add_argument("--webhook-workers", type=int, default=4,
                        help="concurrent webhook deliveries (Stripe delivers concurrently)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    try:
        double = StripeDouble(
            port=args.port,
            host=args.host,
            api_key=args.api_key,
            state_file=args.state_file,
            verbose=args.verbose,
            webhook_workers=args.webhook_workers,
        ).start()
    except (OSError, ValueError) as exc:
        print(f"stripe double: {exc}", file=sys.stderr)
        return 2
    if args.seed_fm_mail:
        price = double.seed_price()
        print(f"price {price['id']} lookup_key={price['lookup_key']}", flush=True)
    for url in args.webhook:
        endpoint = double.add_webhook_endpoint(url)
        print(f"webhook {endpoint.id} {url} secret={endpoint.secret}", flush=True)
    print(f"Stripe double listening on {double.url} (api key {double.api_key})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        double.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
