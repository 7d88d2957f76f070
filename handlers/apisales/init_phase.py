"""Lambda's init phase without garbage-collection passes.

Loading a function's modules and clients makes a few hundred thousand objects that live as long
as the container. CPython's cyclic collector, triggered by allocation counts, walks the growing
heap again and again while they load: about a tenth of the account function's cold start
(docs/cold-start.md). Each handler module imports this module before anything else, which
pauses the collector, and calls :func:`loaded` as its last statement, which moves everything
loaded into the permanent generation (``gc.freeze()``: later collections, during requests, skip
those objects) and resumes collection. Python's own documentation gives this pairing for
pre-fork servers (``gc.freeze``); the same reasoning holds for a container's init phase.

Only inside Lambda (``LAMBDA_TASK_ROOT`` is set): tests and tools that import a handler module
keep the collector as it was.
"""

from __future__ import annotations

import gc
import os

_paused = bool(os.environ.get("LAMBDA_TASK_ROOT")) and gc.isenabled()
if _paused:
    gc.disable()


def loaded() -> None:
    """The handler module has loaded: keep what it made out of future collections, resume."""
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False
