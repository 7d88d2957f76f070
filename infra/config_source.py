"""Every key a stack sets in one config namespace, so that a model can refuse the ones it
does not know: ``pulumi.Config`` answers only for keys a program asks for by name, and a
mistyped ``api-sales:gracOnPastDue`` would otherwise be ignored in silence.

The SDK keeps the stack's config in ``pulumi.runtime.config``: the map set by
``set_all_config`` (mocks, the sandbox) and the ``PULUMI_CONFIG`` JSON the language host
hands a ``pulumi up`` program. Values are strings; structured values are JSON text.
"""

from __future__ import annotations

from pulumi.runtime import config as runtime_config


def namespace_values(namespace: str) -> dict[str, str]:
    """``{"plans": "[...]", "graceOnPastDue": "true", ...}`` for the keys ``<namespace>:*``."""
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{namespace}:"
    return {
        key.removeprefix(prefix): runtime_config.get_config(key)
        for key in sorted(keys)
        if key.startswith(prefix)
    }
