"""Cold start of the handler modules: import time in a fresh interpreter (prints figures).

Usage: .venv/bin/python bench/handlers_cold_start.py [--runs N]
For each route module: median wall time of ``import <module>`` in a new process over N runs
(the interpreter's own start-up subtracted), then its heaviest imports by ``-X importtime``
(cumulative per top-level package; -X importtime itself adds some overhead).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[1] / "handlers"
MODULES = ["apisales.routes.account", "apisales.routes.billing", "apisales.routes.webhook"]
ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0", "POWERTOOLS_SERVICE_NAME": "bench"}


def timed_import(module: str) -> float:
    code = (
        "import time; t = time.perf_counter(); import importlib; "
        f"importlib.import_module({module!r}); print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=HANDLERS, env=ENV, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def heaviest(module: str, top: int) -> list[tuple[int, str]]:
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                         cwd=HANDLERS, env=ENV, check=True, capture_output=True, text=True).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative, name = line[len("import time:"):].split("|")
        name = name.strip()
        # Whole packages (cumulative, so a package includes what it imports, e.g. stripe
        # includes requests); skip our own package and interpreter start-up.
        if "." not in name and name not in {"apisales", "site", "encodings"}:
            rows.append((int(cumulative), name))
    return sorted(rows, reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--top", type=int, default=6)
    args = parser.parse_args()
    for module in MODULES:  # warm the bytecode cache so runs measure imports, not compiling
        timed_import(module)
    version = sys.version.split()[0]
    print(f"import time in a fresh process, median of {args.runs} (python {version})")
    for module in MODULES:
        runs = [timed_import(module) for _ in range(args.runs)]
        loaded_stripe = subprocess.run(
            [sys.executable, "-c", f"import sys, {module}; print('stripe' in sys.modules)"],
            cwd=HANDLERS, env=ENV, check=True, capture_output=True, text=True).stdout.strip()
        print(f"  {module:28s} {statistics.median(runs) * 1000:7.1f} ms "
              f"(min {min(runs) * 1000:.1f}, max {max(runs) * 1000:.1f}; stripe loaded: "
              f"{loaded_stripe})")
    for module in MODULES:
        parts = ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in heaviest(module, args.top))
        print(f"  heaviest for {module}: {parts}")


if __name__ == "__main__":
    main()
