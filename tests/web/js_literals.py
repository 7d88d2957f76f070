"""The string literals of a JavaScript file, with their line numbers: enough of a tokenizer
for the console's own modules (comments, regular expression literals and template literals
with nested ``${...}`` are told apart from strings)."""

from __future__ import annotations

from dataclasses import dataclass

# After these (or at the start), a "/" begins a regular expression, not a division.
_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^") | {""}
_REGEX_AFTER_WORDS = {"return", "typeof", "case", "do", "else", "in", "of", "new", "delete",
                      "void", "throw", "await", "yield"}  # fmt: skip


@dataclass(frozen=True)
class Literal:
    line: int
    text: str  # template literals: the static parts, "${}" where an expression was
    quote: str


def string_literals(source: str) -> list[Literal]:
    found: list[Literal] = []
    _scan(source, 0, found, in_template_expression=False)
    return found


def _line(source: str, index: int) -> int:
    return source.count("\n", 0, index) + 1


def _scan(source: str, i: int, found: list[Literal], in_template_expression: bool) -> int:
    """Scans code from ``i``; inside ``${...}`` returns the index after the closing brace."""
    depth = 0
    previous = ""  # the last significant character or word, to tell a regex from a division
    while i < len(source):
        c = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = len(source) if i < 0 else i
            continue
        if source.startswith("/*", i):
            i = source.index("*/", i) + 2
            continue
        if c in "'\"":
            end = i + 1
            while source[end] != c:
                end += 2 if source[end] == "\\" else 1
            found.append(Literal(_line(source, i), source[i + 1:end], c))
            i, previous = end + 1, "a"
            continue
        if c == "`":
            i = _template(source, i + 1, found, _line(source, i))
            previous = "a"
            continue
        if c == "/" and (previous in _REGEX_AFTER or previous in _REGEX_AFTER_WORDS):
            i = _skip_regex(source, i + 1)
            previous = "a"
            continue
        if in_template_expression:
            if c == "{":
                depth += 1
            elif c == "}":
                if depth == 0:
                    return i + 1
                depth -= 1
        if c.isalnum() or c in "_$":
            start = i
            while i < len(source) and (source[i].isalnum() or source[i] in "_$"):
                i += 1
            previous = source[start:i]
            continue
        if not c.isspace():
            previous = c
        i += 1
    return i


def _template(source: str, i: int, found: list[Literal], line: int) -> int:
    parts: list[str] = []
    start = i
    while source[i] != "`":
        if source[i] == "\\":
            i += 2
            continue
        if source.startswith("${", i):
            parts.append(source[start:i] + "${}")
            i = _scan(source, i + 2, found, in_template_expression=True)
            start = i
            continue
        i += 1
    parts.append(source[start:i])
    found.append(Literal(line, "".join(parts), "`"))
    return i + 1


def _skip_regex(source: str, i: int) -> int:
    in_class = False
    while True:
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            i += 1
            while i < len(source) and source[i].isalpha():  # flags
                i += 1
            return i
        i += 1
