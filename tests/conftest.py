"""Hypothesis profiles for every test directory (docs/input-boundary.md, "Fuzzing").

``ci`` (the default, what bin/test runs) is bounded so the fuzzers add well under two
minutes; ``long`` is for a local run: ``HYPOTHESIS_PROFILE=long bin/test tests/handlers``.
Tests that set their own ``max_examples`` keep it under both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

_SHARED = {
    "deadline": None,  # ministack calls vary in time; speed is measured in bench/, not here
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                              HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("ci", max_examples=60, derandomize=True, **_SHARED)
settings.register_profile("long", max_examples=3000, **_SHARED)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _product_folders() -> list[str]:
    """Each product plug-in's folder, so tests import its package as Lambda would."""
    products = Path(__file__).resolve().parent.parent / "products"
    return [str(d.parent) for d in sorted(products.glob("*/product.toml"))]


sys.path[:0] = [p for p in _product_folders() if p not in sys.path]
