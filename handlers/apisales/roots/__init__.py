"""Composition roots: one per function, each building only the ports its function calls.

A function's route module imports its own root (``account``, ``billing``, ``webhook``,
``sweep``, ``quota_mail``) and nothing else of this package, so its archive ships, and its
init imports, only the adapters and rules it can reach (docs/cold-start.md). What several
roots share lives in modules named for what they build (``keys``, ``usage``,
``fulfilment``, ``payments``), each imported only by the roots that need all of it: one
:class:`~apisales.dependency.Dependency` per port, so a test's override reaches every
function (``apisales.container``). This file imports nothing.
"""
