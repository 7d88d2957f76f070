"""What the import walk cannot see in the pinned dependencies, rule by rule, with the reason.

:mod:`infra.packaging` ships a dependency module only when the function's handler can reach
it (:mod:`infra.import_graph`). The walk sees ``import`` statements; these rules add what
it cannot: modules loaded by name at run time, packages the Lambda runtime's own SDK
imports from the archive, files read at run time, licences. Every shipped module that can
load by name (:func:`infra.import_graph.loads_by_name`) must be named by a rule of
:data:`LOADS_BY_NAME`, or the build stops: a dependency upgrade that adds a by-name import
is reviewed here before it can ship (tests/infra/test_dependency_rules.py re-checks each
reason against the pinned versions).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from infra.import_graph import dotted_strings


@dataclass(frozen=True)
class LoadsByName:
    """Modules (``fnmatch`` patterns) that load modules or files by name at run time.

    ``loads``: the modules they may load that the function needs, shipped with them (walked
    like imports; a name not in the archive's dependencies is skipped). ``strings``: the
    dotted module names in their string constants count as imports (a library whose lazy
    tables name their targets in full). Neither: what they load is not ours to ship (the
    standard library, a file of a shipped package) or is never loaded here, as ``reason``
    says.
    """

    modules: tuple[str, ...]
    reason: str
    loads: tuple[str, ...] = ()
    strings: bool = False

    def covers(self, module: str) -> bool:
        return any(fnmatch.fnmatchcase(module, pattern) for pattern in self.modules)


LOADS_BY_NAME: tuple[LoadsByName, ...] = (
    # --- the project's own packages: none loads by name (a new one needs its rule here).
    # --- stripe
    LoadsByName(
        ("stripe", "stripe.*"), strings=True,
        reason="The SDK imports by name from tables of full dotted names in the same module: "
        "the package's lazy attributes (``stripe.StripeClient``, ``stripe.RequestsClient``: "
        "``_import_map`` with ``__getattr__``), each service's sub-services "
        "(``_subservices``), and the class of every object Stripe returns "
        "(``_object_classes.OBJECT_CLASSES``, ``events/_event_classes``): which object types "
        "arrive (a subscription's tax rates, discounts, an event's payload) depends on the "
        "seller's data, so every class the tables name ships, less stripe/params "
        "(UNUSED_DEPENDENCY_FILES).",
    ),
    # --- requests and its dependencies (where Stripe is used)
    LoadsByName(
        ("requests.compat",), loads=("chardet", "charset_normalizer"),
        reason="_resolve_char_detection() imports chardet or charset_normalizer by name.",
    ),
    LoadsByName(
        ("requests.packages",), loads=("urllib3", "idna"),
        reason="``__import__`` of urllib3 and idna, aliased as requests.packages.*.",
    ),
    LoadsByName(
        ("charset_normalizer.cd", "charset_normalizer.utils"),
        reason="import_module('encodings.<name>'): the standard library's codecs.",
    ),
    LoadsByName(
        ("certifi.core",),
        reason="importlib.resources reads certifi/cacert.pem: data of the certifi package, "
        "shipped with it.",
    ),
    LoadsByName(
        ("urllib3.*",),
        reason="urllib3 ships whole (SHIPPED_WHOLE). http2 reads h2's version only when "
        "HTTP/2 is injected (never here); contrib.emscripten reads its worker script, data "
        "of its package, only under Pyodide.",
    ),
    # --- Powertools
    LoadsByName(
        ("aws_lambda_powertools.shared.lazy_import",),
        reason="LazyLoader imports what its callers name; each caller has its own rule.",
    ),
    LoadsByName(
        ("aws_lambda_powertools.tracing.tracer",), loads=("aws_xray_sdk", "aws_xray_sdk.core"),
        reason="LazyLoader(constants.XRAY_SDK_MODULE) = aws_xray_sdk, whose ``core`` the "
        "Tracer uses as its provider.",
    ),
    LoadsByName(
        ("aws_lambda_powertools.event_handler.openapi.merge",),
        reason="OpenAPIMerge loads the user's own route files by path; no function uses it.",
    ),
    # --- the X-Ray SDK (Powertools' Tracer) and wrapt
    LoadsByName(
        ("aws_xray_sdk.core.patcher",),
        loads=("aws_xray_sdk.ext.botocore", "aws_xray_sdk.ext.requests"),
        reason="patch(modules) imports aws_xray_sdk.ext.<module> by name for each module the "
        "Tracer patches: the functions patch botocore and requests "
        "(apisales.observability.AWS_SDK, HTTP). pkgutil walks only modules the SDK does "
        "not support, never passed here.",
    ),
    LoadsByName(
        ("aws_xray_sdk.core.plugins.utils",),
        reason="Imports the plugins named in xray_recorder.configure(plugins=...), which "
        "neither Powertools nor the functions pass.",
    ),
    LoadsByName(
        ("aws_xray_sdk.core.sampling.local.sampler", "aws_xray_sdk.ext.boto_utils"),
        reason="pkgutil.get_data reads sampling_rule.json and resources/"
        "aws_para_whitelist.json: data of their packages, shipped with them.",
    ),
    LoadsByName(
        ("wrapt.patches",), loads=("requests",),
        reason="resolve_path() imports the module being wrapped, by name: the X-Ray SDK "
        "wraps botocore (the runtime's) and requests (shipped where Stripe is used).",
    ),
    LoadsByName(
        ("wrapt.importer",),
        reason="Post-import hooks registered by name or entry point; the X-Ray SDK registers "
        "callables, and only for modules it does not support (never here).",
    ),
    LoadsByName(
        ("wrapt.proxies",),
        reason="``__import__`` only when a proxy is unpickled; nothing is pickled here.",
    ),
    # --- the product's dependencies
    LoadsByName(
        ("imapclient.version",),
        reason="importlib.metadata.version('imapclient') at import: reads "
        "imapclient-*.dist-info/METADATA, kept (DISTRIBUTION_FILES).",
    ),
)  # fmt: skip


def extra_imports(module: str, path: Path) -> Iterable[str]:
    """What ``module`` (at ``path``) loads by name, according to :data:`LOADS_BY_NAME`."""
    for rule in LOADS_BY_NAME:
        if rule.covers(module):
            yield from rule.loads
            if rule.strings:
                yield from dotted_strings(path)


def rule_for(module: str) -> LoadsByName | None:
    return next((rule for rule in LOADS_BY_NAME if rule.covers(module)), None)


# Files of the pinned dependencies that no function ever loads, left out to keep archives
# small (tests/infra/test_packaging.py checks each reason against the pinned versions).
UNUSED_DEPENDENCY_FILES = (
    # Swagger UI assets (0.4 MiB zipped): served only after ``enable_swagger()``, never called.
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*.js",
    "aws_lambda_powertools/event_handler/openapi/swagger_ui/*.css",
    # Request-parameter TypedDicts (1 MiB zipped): the SDK imports them only for type
    # checkers (``if TYPE_CHECKING``) or when code reads the ``stripe.params`` attribute.
    "stripe/params/*",
    # Event-notification classes of Stripe's API v2 ("thin" events; 0.3 MiB zipped): loaded
    # only for a v2 event object (``_util`` when the API mode is V2, ``v2.core._event``,
    # ``StripeClient.parse_event_notification``) or when code reads ``stripe.events``. The
    # functions call ``client.v1`` only and read a webhook's body as JSON once
    # ``WebhookSignature`` has verified it; v1 events are ``stripe._event.Event``.
    "stripe/events/*",
)

# Packages the Lambda runtime's own boto3/botocore (/var/runtime, behind the archive on
# sys.path) import: when an archive ships one of them, botocore imports the archive's copy,
# through modules no walk from the handler sees; such a package ships whole or not at all.
SHIPPED_WHOLE = ("urllib3", "jmespath", "dateutil", "six", "s3transfer")

# Files kept from a shipped distribution's ``.dist-info`` (paths inside it): its licence
# and notice files, which must travel with vendored code.
DISTRIBUTION_FILES = ("licenses/*", "LICENSE*", "LICENCE*", "NOTICE*", "COPYING*", "AUTHORS*")

# Distributions whose METADATA is read at run time (``importlib.metadata``), and where: their
# METADATA ships too. Any other shipped use of importlib.metadata stops the build until a
# rule of LOADS_BY_NAME names it (and, if it reads a METADATA, this table).
METADATA_READ = {
    "imapclient": "imapclient.version calls importlib.metadata.version('imapclient') at import",
}


# Files in shipped packages that nothing reads at run time: type stubs and markers (read by
# type checkers only) and C sources (wrapt's pure-Python wheel carries _wrappers.c).
NOT_RUNTIME_FILES = ("*.pyi", "*/py.typed", "*.c", "*.h")


def is_unused(name: str) -> bool:
    """``name`` (a path in the archive) matches :data:`UNUSED_DEPENDENCY_FILES`."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in UNUSED_DEPENDENCY_FILES)


def is_not_runtime(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in NOT_RUNTIME_FILES)
