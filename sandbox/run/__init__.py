"""Runs the whole sandbox: see :class:`sandbox.run.sandbox.Sandbox`."""

from sandbox.run.sandbox import Sandbox, SandboxOptions

__all__ = ["Sandbox", "SandboxOptions"]
