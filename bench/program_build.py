"""How long building the whole Pulumi program under mocks takes (prints figures).

Usage: .venv/bin/python bench/program_build.py [--runs N]
Measures: the Lambda archives' build (cold: fresh dependency install; warm: cached deps),
and the program build (every resource registered and resolved) under set_mocks.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra.functions import archive_sources  # noqa: E402
from infra.packaging import build_function_archives  # noqa: E402
from tests.infra.harness import run_program  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    handlers = archive_sources()
    with tempfile.TemporaryDirectory() as build_dir:
        started = time.perf_counter()
        archives = build_function_archives(handlers, build_dir=Path(build_dir))
        cold = time.perf_counter() - started
        started = time.perf_counter()
        build_function_archives(handlers, build_dir=Path(build_dir))
        warm = time.perf_counter() - started
    for concern, archive in archives.items():
        print(f"lambda archive {concern}: {archive.size / 2**20:.2f} MiB, "
              f"sha256 {archive.sha256[:12]}")
    print(f"archive build, cold (pip install + zip): {cold:.2f} s")
    print(f"archive build, warm (cached deps, zip):  {warm:.2f} s")

    timings = []
    count = 0
    for _ in range(runs):
        started = time.perf_counter()
        count = len(run_program(archives=archives))
        timings.append(time.perf_counter() - started)
    print(
        f"program build under mocks ({count} resources): median {statistics.median(timings):.2f} s,"
        f" min {min(timings):.2f} s, max {max(timings):.2f} s over {runs} runs"
    )


if __name__ == "__main__":
    main()
