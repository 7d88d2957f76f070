"""One Lambda archive per function, built by the program: only what that function imports,
reproducible byte for byte."""

import ast
import dataclasses
import shutil
import zipfile
from pathlib import Path

import pytest

from infra.dependency_rules import UNUSED_DEPENDENCY_FILES
from infra.functions import all_function_specs
from infra.import_graph import static_imports
from infra.packaging import (
    HANDLERS_DIR,
    ArchiveSource,
    build_function_archive,
    build_function_archives,
    imported_modules,
    requirement_files,
    source_roots,
)
from infra.products import PRODUCTS_DIR
from infra.quota_mail import CONCERN as QUOTA_MAIL
from infra.quota_mail import HANDLER as QUOTA_MAIL_HANDLER

SPECS = all_function_specs()
HANDLERS = {concern: spec.archive_source for concern, spec in SPECS.items()}


@pytest.fixture(scope="module")
def handlers_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("handlers") / "handlers"
    shutil.copytree(HANDLERS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="module")
def fm_mail_copy(tmp_path_factory):
    """FM Mail's folder (products/fm_mail), copied so a test may change it."""
    target = tmp_path_factory.mktemp("products") / "fm_mail"
    shutil.copytree(PRODUCTS_DIR / "fm_mail", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture(scope="module")
def sources(fm_mail_copy) -> dict[str, ArchiveSource]:
    """Every function's archive source, FM Mail's pointing at the copy."""
    return {
        concern: dataclasses.replace(
            source, source_root=fm_mail_copy, requirements=fm_mail_copy / "requirements.txt"
        ) if source.source_root else source
        for concern, source in HANDLERS.items()
    }  # fmt: skip


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("build")  # dependencies installed once for the module


@pytest.fixture(scope="module")
def archives(handlers_copy, build_dir, sources):
    return build_function_archives(sources, handlers_copy, build_dir)


def names_in(archive) -> set[str]:
    with zipfile.ZipFile(archive.path) as zipped:
        return set(zipped.namelist())


def test_two_independent_builds_are_identical(handlers_copy, sources, archives, tmp_path):
    again = build_function_archives(sources, handlers_copy, tmp_path)  # fresh pip installs too
    for function, archive in archives.items():
        assert again[function].sha256 == archive.sha256, function
        assert again[function].path.read_bytes() == archive.path.read_bytes()
    assert len({a.sha256 for a in archives.values()}) == len(archives), "one archive each"


@pytest.mark.parametrize(
    ("module", "expected"),
    [("fm_mail/mime.py", {"product"}),
     ("apisales/routes/billing.py", {"billing"}),
     ("apisales/http/errors.py", {"account", "billing", "webhook", "product"})],
)  # fmt: skip
def test_a_changed_module_changes_only_the_archives_that_import_it(
    handlers_copy, fm_mail_copy, sources, build_dir, archives, module, expected
):
    root = fm_mail_copy if module.startswith("fm_mail/") else handlers_copy
    touched = root / module
    original = touched.read_text()
    touched.write_text(original + "# changed\n")
    try:
        after = build_function_archives(sources, handlers_copy, build_dir)
    finally:
        touched.write_text(original)
    changed = {f for f in HANDLERS if after[f].sha256 != archives[f].sha256}
    assert changed == expected


@pytest.mark.parametrize(
    ("function", "present", "absent"),
    [
        (
            "account",
            {"apisales/routes/account.py", "aws_lambda_powertools/__init__.py"},
            {"stripe/__init__.py", "imapclient/__init__.py", "requests/__init__.py",
             "fm_mail/__init__.py", "apisales/routes/billing.py",
             "apisales/routes/webhook.py", "fm_mail/handler.py", "fm_mail/requests.json",
             "apisales/http/stripe_events.py"},
        ),
        (
            "billing",
            {"apisales/routes/billing.py", "stripe/__init__.py", "requests/__init__.py"},
            {"imapclient/__init__.py", "fm_mail/__init__.py", "apisales/routes/account.py",
             "apisales/routes/webhook.py", "apisales/http/stripe_events.py"},
        ),
        (
            "webhook",
            {"apisales/routes/webhook.py", "apisales/http/stripe_events.py", "stripe/__init__.py"},
            {"imapclient/__init__.py", "fm_mail/__init__.py", "apisales/routes/billing.py"},
        ),
        (
            "product",
            {"fm_mail/handler.py", "fm_mail/service.py", "fm_mail/requests.json",
             "imapclient/__init__.py", "apisales/http/boundary.py",
             "apisales/contract/requests.json"},
            {"stripe/__init__.py", "requests/__init__.py", "apisales/adapters/__init__.py",
             "apisales/container.py", "apisales/domain/__init__.py",
             "apisales/routes/account.py"},
        ),
    ],
)  # fmt: skip
def test_each_archive_holds_its_handler_and_not_the_others_dependencies(
    archives, function, present, absent
):
    names = names_in(archives[function])
    assert present <= names
    assert not absent & names
    # boto3 comes with the Lambda runtime; the requirements files never ship it.
    assert not {n for n in names if n.startswith(("boto3/", "botocore/", "s3transfer/"))}


# The adapters each function's composition root (apisales/roots/) builds, and so the only
# ones its archive carries: a root that reached another function's adapters would ship them
# (and, for Stripe's, fail to import them: stripe is not in that archive).
_TABLES = {"aws", "dynamo_items", "dynamo_users"}
ADAPTERS = {
    "account": {*_TABLES, "apigw_keys", "apigw_usage"},
    "quota-mail": {*_TABLES, "apigw_usage", "quota_mail_aws"},
    "billing": {*_TABLES, "apigw_keys", "cognito_attributes", "cognito_users", "dynamo_records",
                "secrets", "stripe_billing", "stripe_objects"},
    "webhook": {*_TABLES, "apigw_keys", "cognito_attributes", "dynamo_records", "secrets",
                "stripe_billing", "stripe_objects"},
    "sweep": {*_TABLES, "apigw_keys", "cognito_attributes", "dynamo_sweep", "rate_limit",
              "secrets", "stripe_billing", "stripe_objects", "stripe_sweep"},
}  # fmt: skip
# Domain modules a function never loads, so never ships: rules it does not run, and the
# Stripe and Checkout types its ports only name in annotations.
_STRIPE_TYPES = {"billing_object", "checkout_record", "portal"}
DOMAIN_NOT_LOADED = {
    "account": {"ownership", "fulfilment", "account_deletion", "sweep", *_STRIPE_TYPES},
    "quota-mail": {"ownership", "fulfilment", "account_deletion", "sweep", "api_key",
                   *_STRIPE_TYPES},
    "billing": {"sweep"},
    "webhook": {"sweep"},
    "sweep": {"account_deletion", "checkout_record"},
}  # fmt: skip


@pytest.mark.parametrize("function", sorted(ADAPTERS))
def test_each_archive_carries_only_what_its_composition_root_builds(
    archives, handlers_copy, build_dir, function
):
    if function == QUOTA_MAIL:  # built by the stack when the quota mail is configured
        archive = build_function_archive(QUOTA_MAIL, QUOTA_MAIL_HANDLER, handlers_copy, build_dir)
    else:
        archive = archives[function]
    names = names_in(archive)

    def modules(package: str) -> set[str]:
        return {n.removeprefix(package).removesuffix(".py") for n in names
                if n.startswith(package) and n.endswith(".py")} - {"__init__"}  # fmt: skip

    assert modules("apisales/adapters/") == ADAPTERS[function]
    assert not DOMAIN_NOT_LOADED[function] & modules("apisales/domain/")
    # The test-facing registry of every port is imported by no function.
    assert "apisales/container.py" not in names


def test_archive_entries_are_pure_python_and_machine_independent(archives):
    for archive in archives.values():
        with zipfile.ZipFile(archive.path) as zipped:
            infos = zipped.infolist()
        names = [i.filename for i in infos]
        assert not [n for n in names if n.endswith((".so", ".pyc")) or "__pycache__" in n]
        assert not [n for n in names if n.endswith("direct_url.json")], "machine-specific paths"
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert names == sorted(names)
        assert not [n for n in names if n.startswith("requirements")]


def test_the_module_set_follows_lazy_imports(handlers_copy, fm_mail_copy):
    """The product imports its mail service inside route functions: it must still ship."""
    roots = source_roots(handlers_copy, fm_mail_copy)
    modules = imported_modules("fm_mail.handler", roots)
    assert {"fm_mail.service", "fm_mail.connection", "fm_mail.mime"} <= modules
    assert {"apisales.http.boundary", "apisales.contract"} <= modules  # the core's HTTP edge
    assert not {m for m in modules if m.startswith(("apisales.adapters", "apisales.domain"))}


def test_package_data_files_travel_with_their_package(
    handlers_copy, fm_mail_copy, sources, build_dir
):
    schema = fm_mail_copy / "fm_mail" / "schemas" / "extra.json"
    schema.parent.mkdir()
    schema.write_text("{}")
    try:
        product = build_function_archive("product", sources["product"], handlers_copy, build_dir)
        account = build_function_archive("account", sources["account"], handlers_copy, build_dir)
    finally:
        shutil.rmtree(schema.parent)
    assert "fm_mail/schemas/extra.json" in names_in(product)
    assert "fm_mail/schemas/extra.json" not in names_in(account)


def test_a_function_without_its_requirements_file_does_not_build(handlers_copy, tmp_path):
    with pytest.raises(FileNotFoundError, match="requirements/newfunction.txt"):
        build_function_archive("newfunction", HANDLERS["account"].handler, handlers_copy, tmp_path)


def test_a_handler_outside_every_source_root_does_not_build(handlers_copy, tmp_path):
    with pytest.raises(ModuleNotFoundError, match="fm_mail.handler"):
        build_function_archive("account", "fm_mail.handler.lambda_handler", handlers_copy, tmp_path)


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_requirements_are_pinned_and_agree_across_functions():
    seen: dict[str, str] = {}
    for function, source in HANDLERS.items():
        common, own = requirement_files(function, own=source.requirements)
        assert not set(_pins(common)) & set(_pins(own)), f"{own.name} repeats a common pin"
        for name, version in {**_pins(common), **_pins(own)}.items():
            assert seen.setdefault(name, version) == version, f"{name} pinned twice, differently"
    assert "boto3" not in seen and "botocore" not in seen  # the runtime provides them


def test_left_out_dependency_files_are_really_unused(archives):
    """Each pattern of UNUSED_DEPENDENCY_FILES matches something, and its reason holds for
    the pinned versions and for the handlers."""
    import aws_lambda_powertools
    import stripe

    everything = set().union(*(names_in(a) for a in archives.values()))
    assert not {n for n in everything if n.startswith("stripe/params/")}
    assert not {n for n in everything if "/swagger_ui/" in n and n.endswith((".js", ".css"))}
    assert "aws_lambda_powertools/event_handler/openapi/swagger_ui/__init__.py" in everything
    roots = (HANDLERS_DIR / "apisales", PRODUCTS_DIR)
    handler_code = "\n".join(p.read_text() for root in roots for p in root.rglob("*.py"))
    assert "enable_swagger" not in handler_code and "stripe.params" not in handler_code
    powertools = Path(aws_lambda_powertools.__file__).parent
    swagger = powertools / "event_handler" / "openapi" / "swagger_ui"
    assert list(swagger.glob("*.js")) and list(swagger.glob("*.css")), "stale pattern: drop it"
    # The assets are named (so read) only inside the resolver's enable_swagger().
    readers = set()
    for path in powertools.rglob("*.py"):
        for function, node in _strings_by_function(ast.parse(path.read_bytes())):
            if node.value.endswith((".min.js", ".min.css")):
                readers.add(function)
    assert readers == {"enable_swagger"}
    # stripe.params is imported by the SDK only under ``if TYPE_CHECKING`` (and by name in
    # its lazy attribute table): no import the archive walker counts reaches it.
    sdk = Path(stripe.__file__).parent
    for path in sdk.rglob("*.py"):
        relative = path.relative_to(sdk)
        if "params" in relative.parts:
            continue
        module = ".".join(("stripe", *relative.with_suffix("").parts)).removesuffix(".__init__")
        reached = [n for n in static_imports(path, module)
                   if n == "stripe.params" or n.startswith("stripe.params.")]
        assert not reached, f"{path} imports stripe.params"
    assert any(fnmatch_any(n) for n in _installed_names(sdk, "params")), "pattern is stale"


def _strings_by_function(tree: ast.AST, function: str = "") -> list[tuple[str, ast.Constant]]:
    """Every string constant (also f-string parts) with the outermost function around it."""
    found = []
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            found.extend(_strings_by_function(child, function or child.name))
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            found.append((function, child))
        else:
            found.extend(_strings_by_function(child, function))
    return found


def fnmatch_any(name: str) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(name, pattern) for pattern in UNUSED_DEPENDENCY_FILES)


def _installed_names(sdk: Path, sub: str) -> list[str]:
    return [f"stripe/{p.relative_to(sdk).as_posix()}" for p in (sdk / sub).rglob("*.py")]


def test_program_deploys_each_function_its_own_archive(dev_run):
    from tests.infra.harness import shared_archives

    by_handler = {spec.handler: concern for concern, spec in SPECS.items()}
    functions = dev_run.of_type("aws:lambda/function:Function")
    assert functions
    for fn in functions:
        concern = by_handler[fn.inputs["handler"]]
        assert fn.inputs["code"].path == str(shared_archives()[concern].path)
        assert shared_archives()[concern].path.is_file()
