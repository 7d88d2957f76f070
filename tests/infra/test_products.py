"""Products as plug-ins (docs/products.md): the core imports none, the program reads their
declarations, FM Mail is one, and the documented recipe for a new product works."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from infra import products
from infra.functions import all_function_specs, archive_sources
from infra.openapi import openapi_document
from infra.packaging import build_function_archives
from infra.products import ProductError, discover_products, load_product
from sandbox.deploy.lambda_imports import check_function_archives
from tests.infra.harness import run_program, shared_archives

ROOT = Path(__file__).resolve().parents[2]
CORE = (ROOT / "handlers" / "apisales", ROOT / "infra")
FUNCTION = "aws:lambda/function:Function"
METHOD = "aws:apigateway/method:Method"
MODEL = "aws:apigateway/model:Model"
POLICY = "aws:iam/rolePolicy:RolePolicy"


def _imported_top_levels(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_core_module_imports_a_product_module():
    forbidden = {p.package for p in discover_products()} | {"products"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(found)
        for folder in CORE
        for path in folder.rglob("*.py")
        if (found := _imported_top_levels(path) & forbidden)
    }
    assert forbidden >= {"fm_mail"}
    assert not offenders, f"the core must not import a product: {offenders}"


def test_the_import_check_sees_an_import_inside_a_function(tmp_path):
    module = tmp_path / "core.py"
    module.write_text("def route():\n    from fm_mail import service\n    return service\n")
    assert "fm_mail" in _imported_top_levels(module)


def test_fm_mail_is_a_plug_in_declared_by_its_folder():
    [fm_mail] = [p for p in discover_products() if p.name == "fm_mail"]
    assert fm_mail.root == ROOT / "products" / "fm_mail"
    assert [(r.method, r.path) for r in fm_mail.routes] == [
        ("POST", "/v1/mail/messages"), ("POST", "/v1/mail/attachment"),
        ("POST", "/v1/mail/mailboxes"),
    ]  # fmt: skip
    [function] = fm_mail.functions
    assert function.handler == "fm_mail.handler.lambda_handler"
    assert "imapclient==" in function.requirements.read_text()
    assert sorted(fm_mail.operations()) == sorted(f"{r.method} {r.path}" for r in fm_mail.routes)
    assert list(fm_mail.tests.glob("test_*.py")), "the declared tests exist"
    # The core's contract holds no product operation; the program's holds both.
    core = (ROOT / "handlers/apisales/contract/requests.json").read_text()
    assert "/v1/mail/" not in core


def test_the_program_declares_fm_mail_from_its_declaration(dev_run):
    [function] = [f for f in dev_run.of_type(FUNCTION) if f.name == "functions-product"]
    assert function.inputs["handler"] == "fm_mail.handler.lambda_handler"
    assert function.inputs["memorySize"] == 512 and function.inputs["timeout"] == 25
    variables = function.inputs["environment"]["variables"]
    assert variables["IMAP_DEADLINE"] == "20" and variables["ALLOW_LOOPBACK_IMAP"] == "false"
    methods = {m.name: m.inputs for m in dev_run.of_type(METHOD)}
    for path in ("/v1/mail/messages", "/v1/mail/attachment", "/v1/mail/mailboxes"):
        assert methods[f"POST {path}"]["apiKeyRequired"] is True


def test_a_products_sandbox_flag_follows_the_sandbox_overlay():
    # Only a stack whose AWS endpoints are loopback takes the overlay (test_sandbox_overlay.py).
    run = run_program({"api-sales-sandbox:allowLoopbackImap": "true"}, stack="local")
    [function] = [f for f in run.of_type(FUNCTION) if f.name == "functions-product"]
    assert function.inputs["environment"]["variables"]["ALLOW_LOOPBACK_IMAP"] == "true"


# --- refused declarations -------------------------------------------------------------------


def _write_product(root: Path, name: str, toml: str, package: str | None = None) -> Path:
    folder = root / name
    (folder / (package or name)).mkdir(parents=True)
    (folder / (package or name) / "__init__.py").write_text("")
    (folder / (package or name) / "handler.py").write_text("def lambda_handler(e, c): ...\n")
    (folder / (package or name) / "requests.json").write_text(
        '{"operations": {"POST /v1/x": {"body": null}}}'
    )
    (folder / "requirements.txt").write_text("")
    (folder / "product.toml").write_text(toml)
    return folder / "product.toml"


GOOD = """name = "{name}"
title = "X"
package = "{package}"
request_schemas = "{package}/requests.json"
tests = "tests/products/{name}"
[[functions]]
name = "{function}"
handler = "{package}.handler.lambda_handler"
description = "x"
requirements = "requirements.txt"
timeout_s = {timeout}
[[routes]]
method = "POST"
path = "{path}"
function = "{function}"
"""


def _good(**over: object) -> str:
    values = {"name": "x", "package": "x", "function": "x", "timeout": 10, "path": "/v1/x"}
    return GOOD.format(**{**values, **over})


@pytest.mark.parametrize(
    ("over", "key"),
    [({"path": "/account/x"}, "routes[0].path"),
     ({"timeout": 29}, "functions[0].timeout_s"),
     ({"function": "Bad_Name"}, "functions[0].name"),
     ({"path": "/v1/y"}, "request_schemas")],
)  # fmt: skip
def test_a_bad_declaration_is_refused_naming_the_key(tmp_path, over, key):
    declaration = _write_product(tmp_path, "x", _good(**over))
    with pytest.raises(ProductError, match=re.escape(key)):
        load_product(declaration)


def test_a_product_cannot_take_the_cores_package_or_a_core_function(tmp_path, monkeypatch):
    declaration = _write_product(tmp_path / "a", "x", _good(package="apisales"), "apisales")
    with pytest.raises(ProductError, match="package"):
        load_product(declaration)
    _write_product(tmp_path / "b", "x", _good(function="billing"))
    monkeypatch.setattr(products, "PRODUCTS_DIR", tmp_path / "b")
    with pytest.raises(ValueError, match="billing"):
        all_function_specs()


def test_a_sandbox_flag_cannot_reuse_the_overlays_own_switch(tmp_path):
    toml = _good().replace('timeout_s = 10\n', 'timeout_s = 10\n'
                           'sandbox_flags = { X_BASE = "stripeApiBase" }\n')
    with pytest.raises(ProductError, match=r"functions\[0\]\.sandbox_flags\.X_BASE"):
        load_product(_write_product(tmp_path, "x", toml))


def test_the_good_declaration_loads(tmp_path):
    product = load_product(_write_product(tmp_path, "x", _good()))
    assert [f.name for f in product.functions] == ["x"]


# --- the recipe of docs/products.md ---------------------------------------------------------

_RECIPE_FILE = re.compile(r"^```\w+ file=(\S+)\n(.*?)^```$", re.S | re.M)


def recipe_files() -> dict[str, str]:
    """The files docs/products.md tells a seller to write, by path."""
    text = (ROOT / "docs" / "products.md").read_text(encoding="utf-8")
    return {path: body for path, body in _RECIPE_FILE.findall(text)}


@pytest.fixture(scope="module")
def recipe(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repo")
    for path, body in recipe_files().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(body, encoding="utf-8")
    return root


def test_the_recipe_names_every_file_of_a_product():
    assert set(recipe_files()) == {
        "products/greeting/product.toml", "products/greeting/requirements.txt",
        "products/greeting/greeting/requests.json", "products/greeting/greeting/__init__.py",
        "products/greeting/greeting/handler.py", "tests/products/greeting/test_greeting.py",
    }  # fmt: skip


def test_the_recipes_product_is_deployed_built_and_answers(recipe, monkeypatch):
    monkeypatch.setattr(products, "PRODUCTS_DIR", recipe / "products")
    [greeting] = discover_products()
    assert greeting.name == "greeting"

    archives = build_function_archives(archive_sources(["greeting"]))
    check_function_archives({"greeting": archives["greeting"].path})  # the archive alone
    run = run_program(archives={**shared_archives(), **archives})

    functions = {f.name: f.inputs for f in run.of_type(FUNCTION)}
    assert "functions-product" not in functions, "only the products found are deployed"
    assert functions["functions-greeting"]["handler"] == "greeting.handler.lambda_handler"
    assert functions["functions-greeting"]["code"].path == str(archives["greeting"].path)
    methods = {m.name: m.inputs for m in run.of_type(METHOD)}
    assert methods["POST /v1/greeting"]["apiKeyRequired"] is True
    models = {m.inputs["name"] for m in run.of_type(MODEL)}
    assert "PostV1Greeting" in models and not [m for m in models if "Mail" in m]
    [policy] = [p for p in run.of_type(POLICY) if p.name == "functions-greeting"]
    assert '"dynamodb:' not in policy.inputs["policy"] and "secretsmanager" not in str(policy)
    assert "/v1/greeting" in openapi_document()["paths"]
    assert openapi_document()["info"]["title"] == "api-sales: account, billing, Greeting"

    # The recipe's own test, run as written.
    monkeypatch.syspath_prepend(str(recipe / "products" / "greeting"))
    path = recipe / "tests/products/greeting/test_greeting.py"
    spec = importlib.util.spec_from_file_location("recipe_test_greeting", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.test_greets_by_name_and_refuses_a_body_without_one()
    sys.modules.pop("greeting.handler", None)
    sys.modules.pop("greeting", None)
