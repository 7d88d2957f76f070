"""A parsed message as the listing reads it: its headers and its leaf parts.

Two parsers produce this shape: ``mime_split`` for plain mail (no ``email.message.Message``
built at all) and ``mime_email`` with the stdlib ``email`` package for everything else. The
listing and the attachment download read only this shape, so both parsers are held to the
same answers (``tests/products/fm_mail/test_mime_split.py`` compares them).
"""

from __future__ import annotations

import email.message
from dataclasses import dataclass
from typing import Protocol

from fm_mail import header_shapes

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


def content_charset(fields: Fields) -> str | None:
    """The ``charset`` parameter of a part's Content-Type, lower case, as
    ``Message.get_content_charset`` reads it (the plain shape here, any other by ``email``)."""
    values = fields.get("content-type")
    if values is None:
        return None
    shaped = header_shapes.params(values[0])
    if shaped is None:
        return email_stand_in(fields).get_content_charset()
    charset = shaped.get("charset")
    return None if charset is None else charset.lower()


def email_stand_in(fields: Fields) -> email.message.Message:
    """A ``Message`` with these headers, to ask ``email`` about an odd value."""
    legacy = email.message.Message()
    for name, values in fields.items():
        for value in values:
            legacy.set_raw(name, value)
    return legacy
