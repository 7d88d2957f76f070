"""A parsed message as the listing reads it: its headers and its leaf parts.

Two parsers produce this shape: ``mime_split`` for plain mail (no ``email.message.Message``
built at all) and ``mime`` with the stdlib ``email`` package for everything else. The
listing and the attachment download read only this shape, so both parsers are held to the
same answers (``tests/products/fm_mail/test_mime_split.py`` compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

Fields = dict[str, list[str]]  # a part's headers: lower-case name -> raw values, in order


class Leaf(Protocol):
    """A non-multipart part: its headers, content type and decoded content."""

    @property
    def fields(self) -> Fields: ...

    @property
    def content_type(self) -> str: ...

    def charset(self) -> str | None:
        """The ``charset`` parameter of Content-Type, lower case, as ``email`` reads it."""
        ...

    def content(self) -> bytes:
        """The content with its transfer encoding removed."""
        ...

    def content_size(self) -> int:
        """``len(self.content())``, counted without decoding where that is cheaper."""
        ...


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    headers: Fields
    leaves: list[tuple[str, Leaf]]  # (IMAP section id, part), in order
    has_defects: bool
