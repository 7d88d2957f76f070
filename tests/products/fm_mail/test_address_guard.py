"""The product must not become a way into the network it runs in.

Every test here resolves names through a fake ``getaddrinfo`` and traps ``connect``: a
refused address must be refused before a single packet is sent.
"""

from __future__ import annotations

import socket

import pytest

from fm_mail import guard

MESSAGES = "/v1/mail/messages"

REFUSED = {
    "10.0.0.8": "private",
    "172.16.4.2": "private",
    "192.168.1.20": "private",
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "169.254.169.254": "metadata",
    "169.254.10.1": "link-local",
    "100.64.0.1": "shared (CGNAT)",
    "100.127.255.254": "shared (CGNAT)",
    "0.0.0.0": "unspecified",
    "224.0.0.251": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "reserved",
    "192.0.2.10": "private",  # documentation range
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::5": "private",
    "fd00:ec2::254": "metadata",
    "ff02::1": "multicast",
    "::ffff:10.1.2.3": "embeds 10.1.2.3: private",
    "::ffff:127.0.0.1": "embeds 127.0.0.1: loopback",
    "::ffff:169.254.169.254": "embeds 169.254.169.254: metadata",
    "2002:a00:1::1": "embeds 10.0.0.1: private",  # 6to4
    "64:ff9b::a9fe:a9fe": "embeds 169.254.169.254: metadata",  # NAT64
}


def _info(ip: str, port: int):
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    sockaddr = (ip, port, 0, 0) if family == socket.AF_INET6 else (ip, port)
    return (family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)


class FakeNet:
    """Fake DNS (``names``) and a trapped ``connect`` that records and sends nothing."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}
        self.asked: list[str] = []
        self.connects: list[tuple] = []

    def __setitem__(self, name: str, ips: list[str]) -> None:
        self.names[name] = ips


@pytest.fixture
def dns(monkeypatch) -> FakeNet:
    net = FakeNet()

    def getaddrinfo(host, port, *args, **kwargs):
        net.asked.append(host)
        if host not in net.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_info(ip, port) for ip in net.names[host]]

    def trapped_connect(self, address, *args, **kwargs):
        net.connects.append(address)
        raise ConnectionRefusedError("trapped by the test: nothing was sent")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", trapped_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", trapped_connect)
    monkeypatch.delenv("ALLOW_LOOPBACK_IMAP", raising=False)
    yield net
    assert all(a[0] in ("127.0.0.1", "93.184.216.34") for a in net.connects), net.connects


def _imap(host: str, port: int = 993, security: str = "tls") -> dict:
    return {"host": host, "port": port, "security": security, "username": "u", "password": "p"}


@pytest.mark.parametrize(("ip", "reason"), sorted(REFUSED.items()))
def test_each_refused_range_as_a_literal(dns, call, ip, reason):
    dns[ip] = [ip]
    status, body = call(MESSAGES, {"imap": _imap(ip)})
    assert status == 400, body
    assert body["error"]["code"] == "address_not_allowed"
    assert body["error"]["field"] == "imap.host"
    assert f"({reason})" in body["error"]["message"]
    assert dns.connects == []


def test_a_name_that_resolves_to_a_private_address(dns, call):
    dns["mail.attacker.example"] = ["10.20.30.40"]
    status, body = call(MESSAGES, {"imap": _imap("mail.attacker.example")})
    assert status == 400 and body["error"]["code"] == "address_not_allowed"
    assert "10.20.30.40" in body["error"]["message"]
    assert dns.connects == []


def test_one_private_address_among_public_ones_refuses_the_name(dns, call):
    dns["imap.mixed.example"] = ["93.184.216.34", "2606:2800:220:1::1", "169.254.169.254"]
    status, body = call(MESSAGES, {"imap": _imap("imap.mixed.example")})
    assert status == 400 and body["error"]["code"] == "address_not_allowed"
    assert dns.connects == []


@pytest.mark.parametrize("port", [25, 22, 80, 443, 587, 995, 6379, 8080])
def test_ports_other_than_imap_are_refused(dns, call, port):
    dns["imap.example.net"] = ["93.184.216.34"]
    status, body = call(MESSAGES, {"imap": _imap("imap.example.net", port=port)})
    assert status == 400 and body["error"]["code"] == "port_not_allowed"
    assert body["error"]["field"] == "imap.port"
    assert dns.connects == []


def test_unresolvable_name_is_400_host_not_found(dns, call):
    status, body = call(MESSAGES, {"imap": _imap("no-such-host.invalid")})
    assert status == 400 and body["error"]["code"] == "host_not_found"


def test_loopback_switch_allows_loopback_only(dns, call, monkeypatch):
    monkeypatch.setenv("ALLOW_LOOPBACK_IMAP", "true")
    for ip in ("10.0.0.8", "169.254.169.254", "100.64.0.1", "::ffff:192.168.0.1", "fd00::1"):
        dns[ip] = [ip]
        status, body = call(MESSAGES, {"imap": _imap(ip)})
        assert status == 400 and body["error"]["code"] == "address_not_allowed", ip
    assert dns.connects == []
    # Loopback passes the guard, on any port (tests run Dovecot on free high ports).
    dns["localhost"] = ["127.0.0.1"]
    status, body = call(MESSAGES, {"imap": _imap("localhost", port=1143)})
    assert status == 502 and body["error"]["code"] == "imap_unreachable"
    assert dns.connects == [("127.0.0.1", 1143)]
    # A port escape only applies when every address is loopback.
    dns["half.example"] = ["127.0.0.1", "93.184.216.34"]
    status, body = call(MESSAGES, {"imap": _imap("half.example", port=1143)})
    assert status == 400 and body["error"]["code"] == "port_not_allowed"
    assert dns.connects == [("127.0.0.1", 1143)]


def test_public_addresses_on_imap_ports_pass_the_guard(dns):
    dns["imap.example.net"] = ["93.184.216.34", "2606:2800:220:1::1"]
    for port in (993, 143):
        vetted = guard.resolve("imap.example.net", port)
        assert [v.ip for v in vetted] == ["93.184.216.34", "2606:2800:220:1::1"]


def test_the_name_is_resolved_once_and_never_again(dns, call):
    """DNS rebinding: the connection goes to the vetted address, not a second lookup."""
    dns["rebind.example"] = ["93.184.216.34"]
    status, _ = call(MESSAGES, {"imap": _imap("rebind.example")})
    assert status == 502  # the trap refused the connection; nothing left the machine
    assert dns.connects == [("93.184.216.34", 993)]
    assert dns.asked == ["rebind.example"]
