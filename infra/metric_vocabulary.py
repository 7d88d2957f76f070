"""The business metric names, read from the handlers' own definition.

``handlers/apisales/business_metrics.py`` is the single place the names live. The program
loads that one file by path, as data: it does not import the ``apisales`` package (whose
other modules need the Lambda dependencies), and the file imports only the standard library
(tests/infra/test_metric_vocabulary.py keeps it so).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

VOCABULARY_FILE = Path(__file__).resolve().parent.parent / "handlers/apisales/business_metrics.py"


@cache
def vocabulary() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_sales_business_metrics", VOCABULARY_FILE)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot read the business metrics from {VOCABULARY_FILE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
