"""The sandbox's demo IMAP mailbox: a local Dovecot seeded with a few messages."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.demo_mail.corpus import demo_messages
from sandbox.demo_mail.dovecot import Dovecot, dovecot_binary

DEMO_USER = "demo"
DEMO_PASSWORD = "demo-mailbox-password"


@dataclass(frozen=True)
class DemoMailbox:
    """What a client needs to read the demo mailbox (implicit TLS on 127.0.0.1)."""

    host: str
    port: int
    security: str
    username: str
    password: str
    ca_file: str  # the private CA the server's certificate chains to

    def imap_settings(self) -> dict[str, object]:
        """The FM Mail request's ``imap`` object."""
        return {"host": self.host, "port": self.port, "security": self.security,
                "username": self.username, "password": self.password}  # fmt: skip


def start_demo_mailbox() -> tuple[Dovecot, DemoMailbox] | None:
    """Start and seed Dovecot; None when dovecot is not installed."""
    if dovecot_binary() is None:
        return None
    server = Dovecot({DEMO_USER: DEMO_PASSWORD}).start()
    try:
        server.seed(DEMO_USER, "INBOX", demo_messages())
    except BaseException:
        server.stop()
        raise
    mailbox = DemoMailbox("127.0.0.1", server.tls_port, "tls", DEMO_USER, DEMO_PASSWORD,
                          server.ca_file)  # fmt: skip
    return server, mailbox


__all__ = ["DEMO_PASSWORD", "DEMO_USER", "DemoMailbox", "Dovecot", "start_demo_mailbox"]
