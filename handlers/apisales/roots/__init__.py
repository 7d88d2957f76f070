"""Composition roots: one per function, each building only the ports its function calls.

A function's route module imports its own root (``account``, ``billing``, ``webhook``,
``sweep``, ``quota_mail``) and nothing else of this package, so its archive ships, and its
init imports, only the adapters and rules it can reach (docs/cold-start.md). What several
roots share lives in modules named for what they build (``keys``, ``usage``,
``fulfilment``, ``payments``), each imported only by the roots that need all of it: one
:class:`~apisales.dependency.Dependency` per port, so a test's override reaches every
function (``apisales.container``). This file imports nothing.

Each builder imports its adapter module when it first runs, so importing a root loads none
of them (the fast tier, and the container that imports every root, load only what they
use). Lambda's init phase does: each function root's ``initialise()``, which its route
module calls at import, imports the adapter modules its Dependencies build from (and,
through them, ``stripe`` where Stripe is called) and makes the boto3 clients of its
``SERVICES``, so a function's first request imports none of it (docs/cold-start.md).
"""
