"""Every port of every function's composition root can be replaced by name in tests."""

from __future__ import annotations

import inspect

from apisales import container, dependency


def test_each_override_keyword_reaches_a_port_and_every_port_has_one():
    container.reset()
    keywords = list(inspect.signature(container.override).parameters)
    try:
        for keyword in keywords:
            before = {id(port) for port in dependency.every() if port.overridden}
            container.override(**{keyword: object()})
            after = {id(port) for port in dependency.every() if port.overridden}
            assert after - before, f"override({keyword}=...) replaces no port"
        missing = [port for port in dependency.every() if not port.overridden]
        assert not missing, f"{len(missing)} port(s) no override keyword reaches"
    finally:
        container.reset()
