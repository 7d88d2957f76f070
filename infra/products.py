"""Products as plug-ins: every ``products/<name>/product.toml`` the program finds is a product
it deploys (unless ``upstreamUrl`` sells the seller's own API instead).

The program reads the declaration as data and never imports a product's code, as the core
never does (tests/infra/test_products.py checks both). The contract is docs/products.md: a
product is a folder holding ``product.toml`` (name, functions, routes, request schemas,
errors, tests), its runtime package and its pinned ``requirements.txt``.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.sandbox_overlay import switch_keys

OVERLAY_SWITCHES = frozenset(switch_keys())  # the overlay's own (stripeApiBase, schemaGuard)

PRODUCTS_DIR = Path(__file__).resolve().parent.parent / "products"
DECLARATION = "product.toml"
PATH_PREFIX = "/v1/"  # product routes live under the API version; the core's never do
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_TIMEOUT_S = 28  # API Gateway gives up on an integration after 29 s
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_FUNCTION_NAME = re.compile(r"^[a-z][a-z0-9-]{0,23}$")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_CONFIG_KEY = re.compile(r"^[a-z][A-Za-z0-9]*$")
# Environment every function gets from the core (infra/functions.py): a product cannot
# override what the boundary and Powertools rely on.
CORE_PACKAGES = ("apisales", "infra", "sandbox", "tests", "policies")
_RESERVED_ENV = ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL", "CORS_ALLOW_ORIGIN")


class ProductError(ValueError):
    """A product declaration the program refuses; the message names the file and the key."""

    def __init__(self, source: Path, key: str, message: str) -> None:
        super().__init__(f"{source}: {key}: {message}")


@dataclass(frozen=True)
class ProductFunction:
    name: str  # the Lambda function is <project>-<stack>-<name>
    handler: str  # "<package>.<module>.<function>", inside the product's package
    description: str
    requirements: Path
    memory_mb: int = 256
    timeout_s: int = 10
    environment: Mapping[str, str] = field(default_factory=dict)
    # env name -> key of a sandbox-only switch (api-sales-sandbox:<key>, infra/sandbox_overlay.py)
    sandbox_flags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProductRoute:
    method: str
    path: str
    function: str


@dataclass(frozen=True)
class Product:
    name: str
    title: str
    root: Path  # products/<name>/: the folder the runtime package is in
    package: str
    request_schemas: Path
    tests: Path
    functions: tuple[ProductFunction, ...]
    routes: tuple[ProductRoute, ...]
    errors: Mapping[str, str] = field(default_factory=dict)  # HTTP status -> description

    def operations(self) -> dict[str, Any]:
        """The request contract of the product's routes (the core's ``requests.json`` format)."""
        return dict(json.loads(self.request_schemas.read_text(encoding="utf-8"))["operations"])


def discover_products(root: Path | None = None) -> tuple[Product, ...]:
    """Every product under ``root`` (default ``products/``), sorted by name."""
    root = root or PRODUCTS_DIR
    return _discover(root.resolve())


_CACHE: dict[Path, tuple[Product, ...]] = {}


def _discover(root: Path) -> tuple[Product, ...]:
    if root not in _CACHE:
        declarations = sorted(root.glob(f"*/{DECLARATION}")) if root.is_dir() else []
        products = tuple(load_product(d) for d in declarations)
        _check_unique(products)
        _CACHE[root] = products
    return _CACHE[root]


def load_product(declaration: Path) -> Product:
    """Read and check one ``product.toml``."""
    folder = declaration.parent
    try:
        raw = tomllib.loads(declaration.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProductError(declaration, "(file)", f"is not TOML: {exc}") from None
    name = _text(raw, "name", declaration, _NAME)
    if name != folder.name:
        raise ProductError(declaration, "name", f"must be the folder's name ({folder.name!r})")
    package = _text(raw, "package", declaration, _NAME)
    if package in CORE_PACKAGES:
        raise ProductError(declaration, "package", f"{package!r} is the core's")
    if not (folder / package / "__init__.py").is_file():
        raise ProductError(declaration, "package", f"{folder / package} is not a package")
    schemas = _file(folder, raw, "request_schemas", declaration)
    tests = _project_path(folder, raw, "tests", declaration)
    functions = tuple(
        _function(folder, package, item, declaration, index)
        for index, item in enumerate(_tables(raw, "functions", declaration))
    )
    names = [f.name for f in functions]
    if len(set(names)) != len(names):
        raise ProductError(declaration, "functions", "two functions have the same name")
    routes = tuple(
        _route(item, names, declaration, index)
        for index, item in enumerate(_tables(raw, "routes", declaration))
    )
    product = Product(
        name=name,
        title=_text(raw, "title", declaration),
        root=folder,
        package=package,
        request_schemas=schemas,
        tests=tests,
        functions=functions,
        routes=routes,
        errors=_errors(raw.get("errors", {}), declaration),
    )
    _check_operations(product, declaration)
    return product


def _function(
    folder: Path, package: str, raw: Any, source: Path, index: int
) -> ProductFunction:
    key = f"functions[{index}]"
    handler = _text(raw, "handler", source, key=f"{key}.handler")
    module = handler.rsplit(".", 1)[0]
    if handler.split(".", 1)[0] != package or module == handler:
        raise ProductError(source, f"{key}.handler", f"must be {package}.<module>.<function>")
    if not (folder / (module.replace(".", "/") + ".py")).is_file():
        raise ProductError(source, f"{key}.handler", f"module {module} is not in {folder}")
    memory, timeout = raw.get("memory_mb", 256), raw.get("timeout_s", 10)
    if not isinstance(memory, int) or not 128 <= memory <= 10240:
        raise ProductError(source, f"{key}.memory_mb", "must be 128 to 10240")
    if not isinstance(timeout, int) or not 1 <= timeout <= MAX_TIMEOUT_S:
        raise ProductError(source, f"{key}.timeout_s", f"must be 1 to {MAX_TIMEOUT_S}")
    environment = _string_map(raw.get("environment", {}), source, f"{key}.environment")
    flags = _string_map(raw.get("sandbox_flags", {}), source, f"{key}.sandbox_flags")
    for env, config_key in flags.items():
        if not _CONFIG_KEY.match(config_key):
            raise ProductError(source, f"{key}.sandbox_flags.{env}", "must be a config key name")
        if config_key in OVERLAY_SWITCHES:
            raise ProductError(source, f"{key}.sandbox_flags.{env}",
                               f"{config_key!r} is the sandbox overlay's own switch")  # fmt: skip
    return ProductFunction(
        name=_text(raw, "name", source, _FUNCTION_NAME, key=f"{key}.name"),
        handler=handler,
        description=_text(raw, "description", source, key=f"{key}.description"),
        requirements=_file(folder, raw, "requirements", source, key=f"{key}.requirements"),
        memory_mb=memory,
        timeout_s=timeout,
        environment=environment,
        sandbox_flags=flags,
    )


def _route(raw: Any, functions: list[str], source: Path, index: int) -> ProductRoute:
    key = f"routes[{index}]"
    method = _text(raw, "method", source, key=f"{key}.method")
    if method not in METHODS:
        raise ProductError(source, f"{key}.method", f"must be one of {', '.join(METHODS)}")
    path = _text(raw, "path", source, key=f"{key}.path")
    if not path.startswith(PATH_PREFIX) or path.endswith("/") or "//" in path:
        raise ProductError(source, f"{key}.path", f"must start with {PATH_PREFIX}")
    function = _text(raw, "function", source, key=f"{key}.function")
    if function not in functions:
        raise ProductError(source, f"{key}.function", f"{function!r} is not declared")
    return ProductRoute(method, path, function)


def _check_operations(product: Product, source: Path) -> None:
    try:
        operations = product.operations()
    except (ValueError, KeyError, TypeError) as exc:
        raise ProductError(source, "request_schemas", f"no operations: {exc}") from None
    keys = {f"{r.method} {r.path}" for r in product.routes}
    if len(keys) != len(product.routes):
        raise ProductError(source, "routes", "a method and path are declared twice")
    if missing := sorted(keys - set(operations)):
        raise ProductError(source, "request_schemas", f"no operation for {', '.join(missing)}")
    if extra := sorted(set(operations) - keys):
        raise ProductError(source, "request_schemas", f"not a route: {', '.join(extra)}")


def _check_unique(products: tuple[Product, ...]) -> None:
    packages = [product.package for product in products]
    if len(set(packages)) != len(packages):
        raise ProductError(products[0].root.parent, "package", "two products share a package")
    seen_functions: dict[str, str] = {}
    seen_routes: dict[tuple[str, str], str] = {}
    for product in products:
        for function in product.functions:
            other = seen_functions.setdefault(function.name, product.name)
            if other != product.name:
                raise ProductError(product.root, "functions", f"{function.name} is {other}'s")
        for route in product.routes:
            other = seen_routes.setdefault((route.method, route.path), product.name)
            if other != product.name:
                raise ProductError(product.root, "routes", f"{route.path} is {other}'s")


def _errors(raw: Any, source: Path) -> dict[str, str]:
    errors = _string_map(raw, source, "errors")
    for status in errors:
        if not (status.isdigit() and 400 <= int(status) <= 599):
            raise ProductError(source, f"errors.{status}", "must be an HTTP error status")
    return errors


def _tables(raw: dict[str, Any], key: str, source: Path) -> list[Any]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise ProductError(source, key, f"declare at least one [[{key}]]")
    return value


def _text(
    raw: Any, name: str, source: Path, pattern: re.Pattern[str] | None = None,
    key: str | None = None,
) -> str:  # fmt: skip
    value = raw.get(name) if isinstance(raw, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise ProductError(source, key or name, "is required (a string)")
    if pattern and not pattern.match(value):
        raise ProductError(source, key or name, f"{value!r} must match {pattern.pattern}")
    return value


def _string_map(raw: Any, source: Path, key: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ProductError(source, key, "must be a table of strings")
    if key.endswith(("environment", "sandbox_flags")):
        for name in raw:
            if not _ENV_NAME.match(name) or name in _RESERVED_ENV:
                raise ProductError(source, f"{key}.{name}", "is not an environment name it may set")
    return {str(k): v for k, v in raw.items()}


def _file(folder: Path, raw: Any, name: str, source: Path, key: str | None = None) -> Path:
    path = (folder / _text(raw, name, source, key=key)).resolve()
    if not path.is_file() or not path.is_relative_to(folder.resolve()):
        raise ProductError(source, key or name, f"{path} is not a file of the product")
    return path


def _project_path(folder: Path, raw: Any, name: str, source: Path) -> Path:
    """A path relative to the repository (the folder holding ``products/``)."""
    return (folder.parent.parent / _text(raw, name, source)).resolve()
