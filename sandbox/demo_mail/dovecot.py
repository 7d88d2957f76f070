"""A throwaway Dovecot (Debian ``dovecot-imapd``) on 127.0.0.1: the sandbox's demo mailbox,
the FM Mail tests and the benchmark (``tests/mail/fm_dovecot.py`` re-exports this).

Config, TLS material, passwd-file, maildirs, sockets and logs live in one temp dir; the
server runs in the foreground (``dovecot -F``) and is stopped by whoever started it.
Works as root (CI: Dovecot refuses root for login processes, so the Debian ``dovecot`` and
``dovenull`` users run them) and as an ordinary user (everything runs as that user).
"""

from __future__ import annotations

import datetime as dt
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)),
        None,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_tls(dest: Path) -> None:
    """A private CA and a server cert for localhost / 127.0.0.1 signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fm-mail test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    (dest / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (dest / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (dest / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(dest / "key.pem", 0o600)


class Dovecot:
    def __init__(self, users: dict[str, str]) -> None:
        binary = dovecot_binary()
        if binary is None:
            raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
        self.binary = binary
        self.users = users
        # Not under pytest's tmp_path: its 0700 parents would lock out the unprivileged
        # login/mail processes when we run as root.
        self.root = Path(tempfile.mkdtemp(prefix="fm-mail-dovecot-"))
        os.chmod(self.root, 0o755)
        self.starttls_port = _free_port()
        self.tls_port = _free_port()
        self.ca_file = str(self.root / "ca.pem")
        self.process: subprocess.Popen | None = None

    def _ids(self) -> tuple[str, str, str, int, int]:
        """(internal user, its group, login user, mail uid, mail gid)."""
        if os.geteuid() == 0:
            internal = pwd.getpwnam("dovecot")
            return "dovecot", "dovecot", "dovenull", internal.pw_uid, internal.pw_gid
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(os.getegid()).gr_name
        return me.pw_name, group, me.pw_name, os.geteuid(), os.getegid()

    def _configure(self) -> Path:
        internal, group, login, uid, gid = self._ids()
        for sub in ("run", "state", "home"):
            (self.root / sub).mkdir()
        os.chown(self.root / "home", uid, gid)
        _write_tls(self.root)
        home = self.root / "home"
        lines = [f"{u}:{{PLAIN}}{p}:{uid}:{gid}::{home}/{u}::" for u, p in self.users.items()]
        (self.root / "passwd").write_text("\n".join(lines) + "\n")
        conf = f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
instance_name = fm-mail-test-{self.tls_port}
log_path = {self.root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {group}
default_login_user = {login}
first_valid_uid = 1
first_valid_gid = 0
auth_failure_delay = 0
disable_plaintext_auth = no
auth_mechanisms = plain login
ssl = required
ssl_cert = <{self.root}/cert.pem
ssl_key = <{self.root}/key.pem
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
# Tests fail logins on purpose: without this the auth penalty slows every later login.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""
        path = self.root / "dovecot.conf"
        path.write_text(conf)
        return path

    def start(self, timeout: float = 15.0) -> Dovecot:
        conf = self._configure()
        with open(self.root / "stdout.log", "wb") as out:
            # Its own session: a terminal's Ctrl-C reaches the sandbox, which stops it in order.
            self.process = subprocess.Popen(
                [self.binary, "-F", "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = (self.root / "stdout.log").read_text(errors="replace")
                raise RuntimeError(f"dovecot exited: {out}\n{self.log()}")
            try:
                for port in (self.starttls_port, self.tls_port):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not start in {timeout}s\n{self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)

    def admin(self, user: str) -> imaplib.IMAP4_SSL:
        """A direct IMAP connection for seeding (bypasses the product's guard on purpose)."""
        ctx = ssl.create_default_context(cafile=self.ca_file)
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.tls_port, ssl_context=ctx)
        conn.login(user, self.users[user])
        return conn

    def seed(self, user: str, mailbox: str, messages: list[tuple[bytes, str, dt.datetime]]) -> None:
        """APPEND (raw, flags, internal date) in order; creates ``mailbox`` if needed."""
        conn = self.admin(user)
        try:
            if mailbox.upper() != "INBOX":
                conn.create(_quote(mailbox))
            for raw, flags, when in messages:
                date = imaplib.Time2Internaldate(when)
                typ, data = conn.append(_quote(mailbox), flags, date, raw)
                if typ != "OK":
                    raise RuntimeError(f"append failed: {data}")
        finally:
            conn.logout()


def _quote(mailbox: str) -> str:
    from imapclient.imap_utf7 import encode

    return '"' + encode(mailbox).decode("ascii") + '"'
