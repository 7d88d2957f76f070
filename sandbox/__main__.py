"""``python -m sandbox``: the whole system on this machine (see docs/web-console.md)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from sandbox.deploy.deploy import DeployError
from sandbox.deploy.ministack import MinistackError, PortInUseError
from sandbox.run import Sandbox, SandboxOptions


def parse_args(argv: list[str] | None) -> SandboxOptions:
    parser = argparse.ArgumentParser(prog="bin/sandbox", description=__doc__)
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--fresh", dest="mode", action="store_const", const="fresh",
                       help="start clean: reset ministack and the Stripe double, deploy again")
    modes.add_argument("--resume", dest="mode", action="store_const", const="resume",
                       help="reuse the saved deploy, users, keys and subscriptions")
    parser.add_argument("--port-web", type=int, default=8080, help="web console (8080)")
    parser.add_argument("--port-ministack", type=int, default=4566, help="ministack (4566)")
    parser.add_argument("--port-stripe", type=int, default=12111, help="Stripe double (12111)")
    parser.add_argument("--workdir", type=Path, default=Path(".work/sandbox"),
                        help="state, logs and the saved deploy (.work/sandbox)")
    parser.add_argument("--free-quota", type=int, metavar="N",
                        help="FREE plan quota in calls a month (reach 429 quickly in a demo)")
    parser.add_argument("--no-demo-mail", dest="demo_mail", action="store_false",
                        help="do not start the demo IMAP mailbox")
    args = parser.parse_args(argv)
    if args.free_quota is not None and args.free_quota < 1:
        parser.error("--free-quota must be at least 1")
    return SandboxOptions(
        workdir=args.workdir, port_web=args.port_web, port_ministack=args.port_ministack,
        port_stripe=args.port_stripe, mode=args.mode or "auto", free_quota=args.free_quota,
        demo_mail=args.demo_mail,
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # unwinds start() or the wait below into stop()

    previous = signal.signal(signal.SIGTERM, on_signal)
    sandbox = Sandbox(options, log=lambda line: print(f"sandbox: {line}", flush=True))
    print("sandbox: starting (deploying the stack into ministack takes a few seconds)...",
          flush=True)  # fmt: skip
    try:
        sandbox.start()
        print("\n".join(sandbox.summary_lines()), flush=True)
        while not stopping.wait(3600):
            pass
    except PortInUseError as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 2
    except (DeployError, MinistackError) as error:
        print(f"sandbox: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nsandbox: stopping...", flush=True)
    finally:
        sandbox.stop()
        signal.signal(signal.SIGTERM, previous)
    print("sandbox: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
