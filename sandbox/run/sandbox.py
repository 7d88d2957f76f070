"""The whole system on one machine: ministack with the real program deployed, the Stripe
double wired to it, the demo IMAP mailbox and the web console.

``Sandbox(...).start()`` / ``.stop()`` (or ``with Sandbox(...) as sb:``) is what
``python -m sandbox`` and the end-to-end tests use.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sandbox.demo_mail import DemoMailbox, Dovecot, start_demo_mailbox
from sandbox.deploy.config import NAMESPACE, sandbox_config
from sandbox.deploy.deploy import DEPLOYED_FILE, DeployedStack, DeployError, deploy_or_resume
from sandbox.deploy.ministack import (
    Ministack,
    MinistackError,
    ensure_port_free,
    start_ministack,
)
from sandbox.run.billing_setup import reconcile_webhook_endpoints
from sandbox.run.console_config import deployed_site
from sandbox.run.saved_quota import record_free_quota, resumed_free_quota
from sandbox.run.users import DemoUser, confirmer, ensure_demo_user, reset_code_reader
from sandbox.run.web_server import WebServer
from sandbox.stripe_double import StripeDouble
from sandbox.stripe_double.journal import remove_state_files

Mode = Literal["auto", "fresh", "resume"]
STRIPE_STATE_FILE = "stripe-double.json"


@dataclass
class SandboxOptions:
    workdir: Path = Path(".work/sandbox")
    port_web: int = 8080  # 0 = a free port (tests)
    port_ministack: int = 4566
    port_stripe: int = 12111
    mode: Mode = "auto"  # auto: resume a saved deploy when there is one, else fresh
    free_quota: int | None = None  # calls a month on the default plan (demo 429 quickly)
    demo_mail: bool = True
    enforce_iam: bool = True  # each Lambda runs with its own role's least-privilege policy
    persist: bool = True  # keep ministack's state on stop, so that a later run can resume


class Sandbox:
    def __init__(self, options: SandboxOptions | None = None,
                 log: Callable[[str], None] = print, **overrides: Any) -> None:  # fmt: skip
        self.options = options or SandboxOptions(**overrides)
        self.log = log
        self.workdir = Path(self.options.workdir).resolve()
        self.web: WebServer | None = None
        self.stripe: StripeDouble | None = None
        self.ministack: Ministack | None = None
        self.dovecot: Dovecot | None = None
        self.mailbox: DemoMailbox | None = None
        self.stack: DeployedStack | None = None
        self.demo_user: DemoUser | None = None
        self.config: dict[str, Any] = {}
        self.resumed = False
        self.free_quota: int | None = None  # the default plan's calls a month, if changed
        self.mail_note = ""

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> Sandbox:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        o = self.options
        # Every fixed port is checked before anything starts: a taken one is a clear error.
        for port in (o.port_ministack, o.port_stripe):
            if port:
                ensure_port_free(port)
        if shutil.which("node") is None:  # before anything starts, like a taken port
            raise MinistackError(
                "node is not on PATH: ministack runs the console's CloudFront Function with "
                "it (bin/setup installs Debian's nodejs)"
            )
        self.web = WebServer(o.port_web)  # binds now (PortInUseError)
        self.workdir.mkdir(parents=True, exist_ok=True)
        mode = self._resolve_mode()
        # A resume keeps the deployed quota: say that one, refuse a different --free-quota.
        self.free_quota = (resumed_free_quota(self.workdir, o.free_quota) if mode == "resume"
                           else o.free_quota)  # fmt: skip

        self._start_mail()
        stripe_state = self.workdir / STRIPE_STATE_FILE
        if mode == "fresh":
            remove_state_files(stripe_state)
        self.stripe = StripeDouble(
            port=o.port_stripe, state_file=stripe_state,
            # ministack starts a Lambda worker on the first delivery: give it time.
            webhook_timeout=60.0, webhook_backoff=0.5, webhook_max_attempts=6, webhook_workers=2,
        ).start()  # fmt: skip
        free_quota = (self.free_quota, "MONTH") if self.free_quota else None
        self.config = sandbox_config(
            self.web.url, stripe_api_base=self.stripe.url, free_quota=free_quota,
            stripe_secret_key=self.stripe.api_key,
        )  # fmt: skip
        # Lambda workers inherit ministack's environment: the product function trusts the
        # demo mailbox's private CA (the stack itself never sets IMAP_CA_BUNDLE).
        self.ministack = start_ministack(
            self.workdir, port=o.port_ministack or None,
            region=str(self.config["aws:region"]), persist=o.persist,
            enforce_iam=o.enforce_iam,
            extra_env={"IMAP_CA_BUNDLE": self.mailbox.ca_file} if self.mailbox else None,
        )  # fmt: skip
        # The program deploys the Stripe side (prices, portal, webhook and its secret) too.
        self.stack = self._deploy(mode)
        self.demo_user = ensure_demo_user(self.stack)
        self.web.configure(
            deployed_site(self.stack, self.mailbox),
            api_url=self.stack.api_url, cognito_url=self.stack.endpoint_url + "/",
            confirm_sign_up=confirmer(self.stack),
            password_reset_code=reset_code_reader(self.stack),
        )  # fmt: skip
        self.web.start()

    def _resolve_mode(self) -> Literal["fresh", "resume"]:
        if self.options.mode != "auto":
            return self.options.mode
        saved = (self.workdir / DEPLOYED_FILE).exists() and self.options.persist
        return "resume" if saved else "fresh"

    def _deploy(self, mode: Literal["fresh", "resume"]) -> DeployedStack:
        assert self.ministack is not None
        assert self.stripe is not None
        try:
            stack = deploy_or_resume(self.ministack.endpoint_url, self.config, self.workdir, mode)
            reconcile_webhook_endpoints(self.stripe, stack)
            self.resumed = mode == "resume"
            if not self.resumed:
                record_free_quota(self.workdir, self.free_quota)
            return stack
        except DeployError as error:
            if self.options.mode != "auto" or mode != "resume":
                raise
            self.log(f"could not resume ({error}); deploying fresh")
            self.stripe.reset()
            stack = deploy_or_resume(self.ministack.endpoint_url, self.config, self.workdir,
                                     "fresh")  # fmt: skip
            reconcile_webhook_endpoints(self.stripe, stack)
            record_free_quota(self.workdir, self.free_quota)
            return stack

    def _start_mail(self) -> None:
        if not self.options.demo_mail:
            self.mail_note = "demo mailbox: off (--no-demo-mail)"
            return
        started = start_demo_mailbox()
        if started is None:
            self.mail_note = ("demo mailbox: NOT started, dovecot is not installed "
                              "(bin/setup installs it: apt-get install dovecot-imapd)")  # fmt: skip
            return
        self.dovecot, self.mailbox = started

    def stop(self) -> None:
        """Stops everything this sandbox started, last started first; safe to call twice."""
        if self.web is not None:
            self.web.stop()
            self.web = None
        if self.ministack is not None:
            self.ministack.stop()
            self.ministack = None
        if self.stripe is not None:
            self.stripe.stop()
            self.stripe = None
        if self.dovecot is not None:
            self.dovecot.stop()
            self.dovecot = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what it prints -------------------------------------------------------------------
    @property
    def web_url(self) -> str:
        assert self.web is not None
        return self.web.url

    def summary_lines(self) -> list[str]:
        assert self.stack and self.web and self.stripe and self.ministack and self.demo_user
        free = next(p for p in self.config[f"{NAMESPACE}:plans"] if not p.get("price"))
        lines = [
            f"api-sales sandbox is running ({'resumed' if self.resumed else 'fresh deploy'}; "
            f"work dir {self.workdir})",
            f"  web console   {self.web.url}",
            f"                (files of bucket {self.stack.console_bucket}, served through "
            f"distribution {self.stack.console_distribution_id})",
            f"  API           {self.stack.api_url}",
            f"  API reference {self.web.url}/docs/  (document {self.web.url}/openapi.json)",
            f"  Stripe double {self.stripe.url}  (API key {self.stripe.api_key})",
            f"  ministack     {self.ministack.endpoint_url}  (log {self.ministack.log_path})",
            f"  webhook       {self.stack.webhook_url}",
            f"  Stripe side   portal {self.stack.stripe_portal_configuration_id}, webhook "
            f"endpoint {self.stack.stripe_webhook_endpoint_id} (deployed by the program)",
            f"  FREE quota    {free['quota']['limit']} calls a {free['quota']['period'].lower()}",
            f"  sweep         schedule {self.stack.sweep_schedule_name or '-'}; run it now: "
            f"python -m sandbox.run.sweep --workdir {self.workdir}",
            "resources:",
            *(f"  {line}" for line in self.stack.skipped_lines()),
            "demo user (sign in on the console):",
            f"  email {self.demo_user.email}  password {self.demo_user.password}",
        ]
        if self.mailbox:
            m = self.mailbox
            lines += [
                "demo mailbox (prefilled in the console's 'Try the API' panel):",
                f"  IMAP {m.host}:{m.port} ({m.security})  user {m.username}  "
                f"password {m.password}",
            ]
        else:
            lines.append(self.mail_note)
        lines += [
            "test cards on the Stripe double's checkout page: 4242 4242 4242 4242 pays, "
            "4000 0000 0000 0002 is declined",
            "Ctrl-C stops everything.",
        ]
        return lines
