"""Parse any message with the stdlib ``email`` package into the listing's shape.

This is the path for everything ``mime_split`` does not take: unusual structure, MIME
defects, forwarded messages. ``email``'s ``Message`` answers every question itself here.
"""

from __future__ import annotations

import email
import email.message
import email.policy
from collections.abc import Iterator

from fm_mail import header_shapes
from fm_mail.mime_parts import Fields, Leaf, ParsedMessage, content_charset


def parse(raw: bytes) -> ParsedMessage:
    # compat32: every header the listing reads is decoded from its raw form, so the default
    # policy's header objects (parsed on every get, 90% of a listing's time) buy nothing;
    # compat32 also keeps a forwarded message's bytes as they were.
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    leaves: list[tuple[str, Leaf]] = [(pid, EmailLeaf(part)) for pid, part in _leaf_parts(msg)]
    return ParsedMessage(fields_of(msg), leaves, has_defects=bool(msg.defects))


def fields_of(msg: email.message.Message) -> Fields:
    fields: Fields = {}
    for key, value in msg.raw_items():
        fields.setdefault(key.lower(), []).append(value)
    return fields


class EmailLeaf:
    """A leaf part as ``email`` parsed it."""

    __slots__ = ("_part", "fields", "content_type")

    def __init__(self, part: email.message.Message) -> None:
        self._part = part
        self.fields = fields_of(part)
        values = self.fields.get("content-type")
        ctype = None if values is None else header_shapes.content_type(values[0])
        self.content_type = ctype or part.get_content_type()

    def charset(self) -> str | None:
        return content_charset(self.fields)

    def content(self) -> bytes:
        if self.content_type == "message/rfc822":  # the forwarded message, as it came
            inner = self._part.get_payload()
            if isinstance(inner, list) and inner:
                return inner[0].as_bytes()
        data = self._part.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""

    def content_size(self) -> int:
        cte = self.fields.get("content-transfer-encoding")
        base64 = bool(cte) and isinstance(cte[0], str) and cte[0].lower() == "base64"
        if base64 and self.content_type != "message/rfc822" and not self._part.is_multipart():
            payload = self._part.get_payload()
            size = header_shapes.base64_size(payload) if isinstance(payload, str) else None
            if size is not None:
                return size
        return len(self.content())


def _leaf_parts(msg: email.message.Message) -> Iterator[tuple[str, email.message.Message]]:
    """(IMAP section id, part) for every non-multipart part, in order."""

    def walk(
        container: email.message.Message, prefix: str
    ) -> Iterator[tuple[str, email.message.Message]]:
        payload = container.get_payload()
        if not isinstance(payload, list):
            return
        for index, sub in enumerate(payload, 1):
            pid = f"{prefix}{index}"
            if sub.is_multipart() and sub.get_content_maintype() == "multipart":
                yield from walk(sub, pid + ".")
            else:
                yield pid, sub

    if msg.get_content_maintype() == "multipart" and isinstance(msg.get_payload(), list):
        yield from walk(msg, "")
    else:
        yield "1", msg
