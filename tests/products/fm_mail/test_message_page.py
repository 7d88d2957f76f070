"""A listing page is serialised message by message, then joined: the same JSON as a whole."""

from __future__ import annotations

import json

import pytest

from fm_mail.service import MessagePage, _json


def _page(cursor: str | None) -> MessagePage:
    messages = [
        {"uid": 3, "subject": "会議の議事録", "text": 'a "quoted" line\n\u2028', "flags": []},
        {"uid": 2, "subject": None, "attachments": [{"filename": "請求書.pdf", "size": 3}]},
        {"uid": 1, "subject": "😀 emoji", "html": "<p>&amp;</p>"},
    ]
    return MessagePage("INBOX/日本", 1_700_000_000, messages, [_json(m) for m in messages], cursor)


@pytest.mark.parametrize("cursor", [None, "v1.abc-_=", 'odd"cursor'])
def test_joined_page_is_the_json_of_the_whole_page(cursor):
    page = _page(cursor)
    joined = page.as_json()
    assert joined == json.dumps(page.as_dict(), separators=(",", ":"))
    assert json.loads(joined) == page.as_dict()


def test_empty_page():
    page = MessagePage("INBOX", 7, [], [], None)
    assert page.as_json() == json.dumps(page.as_dict(), separators=(",", ":"))
