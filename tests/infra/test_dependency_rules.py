"""The dependency pruning of each function's archive: the import walk, and each rule of
infra/dependency_rules.py re-checked against the pinned versions and the handlers."""

from __future__ import annotations

import zipfile
from fnmatch import fnmatchcase as fnmatch
from pathlib import Path

import pytest

from infra.dependency_rules import (
    LOADS_BY_NAME,
    METADATA_READ,
    SHIPPED_WHOLE,
    is_not_runtime,
)
from infra.functions import archive_sources
from infra.import_graph import loads_by_name, reachable_modules, static_imports
from infra.packaging import BUILD_DIR, HANDLERS_DIR, dependency_files
from infra.products import PRODUCTS_DIR
from sandbox.deploy.lambda_imports import runtime_packages
from tests.infra.harness import shared_archives


def names(function: str) -> set[str]:
    with zipfile.ZipFile(shared_archives()[function].path) as zipped:
        return set(zipped.namelist())


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


# --- the walk -----------------------------------------------------------------------------


def test_the_walk_follows_what_runs_and_skips_what_type_checkers_alone_read(tmp_path):
    root = write(tmp_path, {
        "lib/__init__.py": "from .star import *\n",
        "lib/star/__init__.py": "__all__ = ['named', 'value']\nvalue = 1\n",
        "lib/star/named.py": "",
        "lib/star/unnamed.py": "",
        "lib/lazy.py": "def f():\n    from lib import inner\n",
        "lib/inner.py": "",
        "lib/typed.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    import lib.only_for_mypy\nelse:\n    import lib.at_runtime\n"
            "if not TYPE_CHECKING:\n    from . import negated\n"
        ),
        "lib/only_for_mypy.py": "", "lib/at_runtime.py": "", "lib/negated.py": "",
        "lib/tables.py": "TABLE = {'x': 'lib.by_name'}\n", "lib/by_name.py": "",
        "lib/left_out.py": "",
    })  # fmt: skip
    roots = {"lib": root}
    seeds = ["lib", "lib.lazy", "lib.typed", "lib.tables", "lib.left_out"]
    plain = reachable_modules(seeds, roots, skip=lambda name, path: name == "lib.left_out")
    assert plain == {
        "lib", "lib.star", "lib.star.named", "lib.lazy", "lib.inner", "lib.typed",
        "lib.at_runtime", "lib.negated", "lib.tables",
    }  # fmt: skip
    with_strings = reachable_modules(
        seeds, roots, lambda name, path: ["lib.by_name"] if name == "lib.tables" else []
    )
    assert "lib.by_name" in with_strings and "lib.only_for_mypy" not in with_strings


def test_a_module_that_loads_by_name_without_a_rule_stops_the_build(tmp_path):
    handlers = write(tmp_path / "handlers",
                     {"apisales/__init__.py": "", "apisales/h.py": "import dep\n"})
    deps = write(tmp_path / "deps",
                 {"dep/__init__.py": "import importlib\nimportlib.import_module('dep.x')\n"})
    with pytest.raises(RuntimeError, match=r"'dep': \['importlib'\]"):
        dependency_files("apisales.h", [deps], {"apisales": handlers})
    assert loads_by_name(deps / "dep" / "__init__.py") == ["importlib"]


# --- what each archive holds ----------------------------------------------------------------


@pytest.mark.parametrize("function", sorted(archive_sources()))
def test_no_archive_ships_what_nothing_reaches(function):
    shipped = names(function)
    utilities = "aws_lambda_powertools/utilities/"
    never = (*(f"{utilities}{u}/" for u in ("parser", "idempotency", "feature_flags", "batch",
                                              "data_masking", "kafka")),
             "aws_xray_sdk/ext/django/", "aws_xray_sdk/ext/flask/", "aws_xray_sdk/ext/sqlalchemy/",
             "wrapt-stubs/", "stripe/events/", "stripe/params/")  # fmt: skip
    assert not {n for n in shipped if n.startswith(never)}
    assert not {n for n in shipped if is_not_runtime(n)}, "C sources, stubs, py.typed"
    metadata = {n.split("-", 1)[0] for n in shipped if n.endswith(".dist-info/METADATA")}
    assert metadata <= set(METADATA_READ)


@pytest.mark.parametrize("function", sorted(archive_sources()))
def test_every_shipped_distribution_carries_its_licence(function):
    shipped = names(function)
    packages = {n.split("/", 1)[0] for n in shipped if n.endswith(".py") and "/" in n}
    packages |= {n[:-3] for n in shipped if n.endswith(".py") and "/" not in n}
    infos = {n.split("/", 1)[0] for n in shipped if ".dist-info/" in n}
    ours = {"apisales", "fm_mail"}
    for package in packages - ours:
        info = next((i for i in infos if i.split("-")[0].lower() == package.lower()), None)
        assert info, f"{function}: {package} ships without its dist-info licence"
        licences = {n for n in shipped if n.startswith(f"{info}/") and "LICEN" in n.upper()}
        assert licences, f"{function}: {info} has no licence file"
    # A distribution none of whose code ships brings no licence either.
    assert {i.split("-")[0] for i in infos} <= {p.lower() for p in packages}


def test_data_files_read_at_run_time_travel_with_their_packages():
    for function in ("billing", "webhook", "sweep"):
        shipped = names(function)
        assert {"certifi/cacert.pem", "stripe/data/ca-certificates.crt"} <= shipped
    for function in archive_sources():
        shipped = names(function)
        assert "aws_xray_sdk/core/sampling/local/sampling_rule.json" in shipped
        assert "aws_xray_sdk/ext/resources/aws_para_whitelist.json" in shipped
    assert "imapclient-4.1.0.dist-info/METADATA" in names("product")


def test_packages_the_runtimes_sdk_imports_ship_whole_or_not_at_all():
    """botocore on Lambda imports urllib3 (and jmespath...) from the archive when it ships
    them, through modules no walk from the handler sees."""
    from infra.packaging import _install_dependencies, _tree_entries, requirement_files

    runtime = set(runtime_packages())
    for function, source in archive_sources().items():
        shipped = names(function)
        for requirements in requirement_files(function, own=source.requirements):
            installed = _tree_entries(_install_dependencies(requirements, BUILD_DIR / "deps"))
            tops = {n.split("/", 1)[0] for n in installed if "/" in n}
            assert tops & runtime <= set(SHIPPED_WHOLE), "add it to SHIPPED_WHOLE"
            for top in tops & set(SHIPPED_WHOLE):
                mine = {n for n in installed if n.startswith(f"{top}/") and not is_not_runtime(n)}
                assert mine <= shipped or not mine & shipped, f"{function}: {top} in part"


# --- each rule's reason, against the pinned versions ---------------------------------------


def shipped_sources() -> dict[str, Path]:
    """Every shipped dependency module -> its installed file (the pinned versions)."""
    from infra.packaging import _install_dependencies, _top_level_modules, requirement_files

    found: dict[str, Path] = {}
    for function, source in archive_sources().items():
        deps = [_install_dependencies(r, BUILD_DIR / "deps")
                for r in requirement_files(function, own=source.requirements)]  # fmt: skip
        roots = _top_level_modules(deps)
        for name in names(function):
            module = name[:-3].replace("/", ".").removesuffix(".__init__")
            if name.endswith(".py") and module.split(".")[0] in roots:
                found[module] = roots[module.split(".")[0]] / name
    return found


def test_every_rule_names_shipped_modules_that_load_by_name():
    """No stale rule: each pattern matches a shipped module that loads by name."""
    sources = shipped_sources()
    for rule in LOADS_BY_NAME:
        for pattern in rule.modules:
            matching = [m for m in sources if rule.covers(m) and fnmatch(m, pattern)]
            assert any(loads_by_name(sources[m]) for m in matching), f"stale rule: {pattern}"


def test_the_xray_patcher_rule_covers_every_library_the_functions_patch():
    from apisales import observability

    rule = next(r for r in LOADS_BY_NAME if r.covers("aws_xray_sdk.core.patcher"))
    patched = {observability.AWS_SDK, observability.HTTP}
    assert {f"aws_xray_sdk.ext.{m}" for m in patched} <= set(rule.loads)
    # Tracers are made only through tracer_for (never patch_all, which needs every ext).
    sources = [*(HANDLERS_DIR / "apisales").rglob("*.py"), *PRODUCTS_DIR.rglob("*.py")]
    makers = [p for p in sources if "Tracer(" in p.read_text()]
    assert makers == [HANDLERS_DIR / "apisales" / "observability.py"]


def test_the_stripe_v2_event_classes_are_loaded_only_on_v2_paths():
    """stripe/events is left out: outside it, only the v2 paths import it, and the handlers
    never take a v2 path."""
    import stripe

    sdk = Path(stripe.__file__).parent
    importers = set()
    for path in sdk.rglob("*.py"):
        relative = path.relative_to(sdk.parent)
        if relative.parts[1] in ("events", "params"):
            continue
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        if any(n.startswith("stripe.events") for n in static_imports(path, module)):
            importers.add(relative.as_posix())  # outside ``if TYPE_CHECKING``
    assert importers == {"stripe/_util.py", "stripe/v2/core/_event.py"}
    util = (sdk / "_util.py").read_text()
    assert 'api_mode == "V2" and klass_name == "v2.core.event"' in util
    sources = [*(HANDLERS_DIR / "apisales").rglob("*.py"), *PRODUCTS_DIR.rglob("*.py")]
    code = "\n".join(p.read_text() for p in sources)
    for v2 in (".v2.", "parse_event_notification", "stripe.events", "EventNotification"):
        assert v2 not in code


def test_metadata_read_at_run_time_is_exactly_what_the_table_says():
    """Every shipped use of importlib.metadata is reviewed; the ones reading a METADATA are
    in METADATA_READ (imapclient.version reads its own at import)."""
    readers = {
        module for module, path in shipped_sources().items()
        if any(use.startswith("importlib.metadata") for use in loads_by_name(path))
    }  # fmt: skip
    # urllib3.http2: h2's version, only when HTTP/2 is injected; wrapt.importer: entry
    # points, only for hooks registered by name (LOADS_BY_NAME says why neither happens).
    assert readers == {"imapclient.version", "urllib3.http2", "wrapt.importer"}
    assert set(METADATA_READ) == {"imapclient"}


def test_dependency_files_are_what_the_archive_holds_beyond_the_project():
    source = archive_sources()["account"]
    from infra.packaging import _install_dependencies, requirement_files, source_roots

    deps = [_install_dependencies(r, BUILD_DIR / "deps") for r in requirement_files("account")]
    files = dependency_files(source.handler.rsplit(".", 1)[0], deps, source_roots())
    assert set(files) == {n for n in names("account") if not n.startswith("apisales/")}
