"""The fast tier: the key, entitlement and fulfilment rules against in-memory fakes.

Everything here is marked ``fast`` (``bin/test -m fast`` runs it together with the fake
side of the port contract tests); nothing here starts an emulator or a server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(_HERE):
            item.add_marker(pytest.mark.fast)
