"""Object templates from Stripe's own fixtures, vendored next to this file.

Every object the double returns starts as a deep copy of its template, so field names
and nesting follow the current API version; the double only sets fields a scenario needs.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

_FILE = Path(__file__).with_name("fixtures3_subset.json")


@cache
def _resources() -> dict[str, Any]:
    return json.loads(_FILE.read_text(encoding="utf-8"))["resources"]


def template(kind: str) -> dict[str, Any]:
    """A fresh, mutable copy of the fixture object for `kind` (e.g. `checkout.session`)."""
    return copy.deepcopy(_resources()[kind])
