"""The FREE quota a saved deploy was made with, so that a resumed sandbox reports it truly.

``--free-quota N`` changes the stack's config, which only a deploy applies: a resumed stack
keeps the usage plan it was deployed with. The fresh deploy records its quota in the work
dir; a resume reads it back, and refuses a ``--free-quota`` that differs instead of
announcing a quota the API does not enforce.
"""

from __future__ import annotations

import json
from pathlib import Path

from sandbox.deploy.deploy import DeployError

SAVED_QUOTA_FILE = "free-quota.json"


class FreeQuotaConflict(DeployError):
    """``--free-quota`` asked of a resume whose saved deploy has another quota."""


def record_free_quota(workdir: Path, free_quota: int | None) -> None:
    """After a fresh deploy: the quota it applied (None: the stack config's own)."""
    (workdir / SAVED_QUOTA_FILE).write_text(json.dumps({"free_quota": free_quota}))


def resumed_free_quota(workdir: Path, requested: int | None) -> int | None:
    """The quota a resume runs with: the saved deploy's. A different ``requested`` one (or
    any, when the deploy recorded none) is refused with what to do instead."""
    path = workdir / SAVED_QUOTA_FILE
    known = path.exists()
    saved = json.loads(path.read_text()).get("free_quota") if known else None
    if requested is None or (known and requested == saved):
        return saved
    now = f"{saved} calls a month" if saved else "the stack config's quota"
    if not known:
        now = "a quota this sandbox did not record"
    raise FreeQuotaConflict(
        f"--free-quota {requested} cannot apply to a resumed sandbox: the saved deploy has "
        f"{now}, and only a deploy changes a usage plan. Run with --fresh --free-quota "
        f"{requested} to deploy again with it (users, keys and subscriptions start over), "
        "or without --free-quota to resume as it is."
    )
