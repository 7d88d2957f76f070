"""Failures of FM Mail operations, each with a stable machine-readable ``code``.

The HTTP layer maps codes to statuses; this package never speaks HTTP. Messages are safe to
show to the caller: they never contain credentials or mail content.
"""

from __future__ import annotations


class MailError(Exception):
    """Base class: ``code`` is stable and documented in docs/fm-mail.md."""

    code = "mail_error"

    def __init__(self, message: str, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class InvalidRequest(MailError):
    """The request body is wrong; ``field`` names the offending field (dotted path)."""

    code = "invalid_field"


class AddressNotAllowed(MailError):
    code = "address_not_allowed"


class PortNotAllowed(MailError):
    code = "port_not_allowed"


class HostNotFound(MailError):
    code = "host_not_found"


class ImapUnreachable(MailError):
    code = "imap_unreachable"


class ImapTimeout(MailError):
    code = "imap_timeout"


class ImapTlsFailed(MailError):
    code = "imap_tls_failed"


class ImapAuthFailed(MailError):
    code = "imap_auth_failed"


class ImapProtocolError(MailError):
    code = "imap_protocol_error"


class MailboxNotFound(MailError):
    code = "mailbox_not_found"


class MessageNotFound(MailError):
    code = "message_not_found"


class AttachmentNotFound(MailError):
    code = "attachment_not_found"


class TooLarge(MailError):
    """Something is bigger than this API will carry (see the caps in ``limits``)."""

    code = "too_large"


class CursorInvalid(MailError):
    code = "invalid_cursor"


class StaleState(MailError):
    """The mailbox's UIDVALIDITY changed: UIDs and cursors from before are meaningless."""

    code = "uidvalidity_changed"
