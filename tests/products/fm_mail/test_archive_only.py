"""FM Mail's routes served from its Lambda archive alone (``python -I -S``: the archive and
the runtime's boto3, nothing else), against the real Dovecot: imapclient and the mail
modules load lazily on the first mail request, so only a request shows they shipped."""

from __future__ import annotations

import base64
import json
import os

from fm_events import rest_event

from tests.handlers.archive_worker import archive_workers


def test_mailboxes_listing_and_an_attachment_from_the_archive_alone(server) -> None:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "fm-mail-archive",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "IMAP_DEADLINE": "20",
        "ALLOW_LOOPBACK_IMAP": "true",  # as the sandbox configures the function
        "IMAP_CA_BUNDLE": server.dovecot.ca_file,
    }
    with archive_workers(["product"], environment) as workers:
        product = workers["product"]

        def call(path: str, body: dict) -> tuple[int, dict]:
            response = product.invoke(rest_event(path, body))
            return response["statusCode"], json.loads(response["body"])

        assert call("/v1/mail/messages", {"imap": {"host": "x"}})[0] == 400  # the schema
        assert "imapclient" not in product.modules  # refused before any mail code loads
        status, body = call("/v1/mail/mailboxes", {"imap": server.imap(security="starttls")})
        assert status == 200 and body["mailboxes"], body
        status, listing = call("/v1/mail/messages", {"imap": server.imap()})
        assert status == 200 and len(listing["messages"]) == len(server.alice)
        uids = sorted(m["uid"] for m in listing["messages"])
        sample, attachment = next(
            (s, a) for s in server.alice for a in s.attachments if len(a.data) < 100_000
        )
        uid = uids[server.alice.index(sample)]
        status, body = call("/v1/mail/attachment",
                            {"imap": server.imap(), "uid": uid, "part": attachment.part})
        assert status == 200, body
        assert base64.b64decode(body["content_base64"]) == attachment.data
        assert "imapclient" in product.modules
