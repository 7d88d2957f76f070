"""Hypothesis strategies for hostile requests: bodies, headers, paths and query strings."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]

# Text with what breaks encoders: lone surrogates, NUL/CR/LF, controls, astral characters.
hostile_text = st.lists(
    st.one_of(
        st.characters(codec=None, exclude_categories=()),  # includes surrogates (Cs)
        st.sampled_from(LONE_SURROGATES + ["\x00", "\r\n", "\x7f", "\u2028", "😀", '"', "\\"]),
    ),
    max_size=40,
).map("".join)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), hostile_text,
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(hostile_text, children, max_size=4),
    ),
    max_leaves=20,
)


def nested(depth: int, opener: str) -> str:
    closer = {"[": "]", '{"a":': "}"}[opener]
    return opener * depth + "1" + closer * depth


deep_documents = st.builds(nested, st.integers(30, 5000), st.sampled_from(["[", '{"a":']))


def mutated(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """``valid`` with one field (at any depth) replaced by anything, or one field added."""
    paths: list[tuple[str, ...]] = []

    def walk(node: Any, prefix: tuple[str, ...]) -> None:
        for key, value in node.items():
            paths.append((*prefix, key))
            if isinstance(value, dict):
                walk(value, (*prefix, key))

    walk(valid, ())
    if not paths:  # a body with no fields: add one
        return st.dictionaries(hostile_text, json_values, min_size=1, max_size=2)

    def apply(path: tuple[str, ...], value: Any, extra: bool) -> dict[str, Any]:
        body = json.loads(json.dumps(valid))
        node = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1] + ("_x" if extra else "")] = value
        return body

    return st.builds(apply, st.sampled_from(paths), json_values, st.booleans())


def to_text(value: Any) -> str:
    """JSON text; lone surrogates travel as ``\\ud800`` escapes, as a client would send them."""
    return json.dumps(value, ensure_ascii=True)


def bodies(valid: dict[str, Any]) -> st.SearchStrategy[str | bytes | None]:
    return st.one_of(
        st.none(),
        st.just(""),
        json_values.map(to_text),
        mutated(valid).map(to_text),
        deep_documents,
        st.binary(max_size=64),
        # Raw text on the wire is bytes: a lone surrogate arrives as invalid UTF-8 (WTF-8).
        hostile_text.map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.integers(16_000, 70_000).map(lambda n: '{"a": "' + "x" * n + '"}'),
    )


content_types = st.one_of(
    st.sampled_from([
        "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "", "application/json\x00",
    ]),
    hostile_text,
)  # fmt: skip
query_strings = st.one_of(
    st.none(), st.dictionaries(hostile_text, hostile_text, min_size=1, max_size=3)
)
