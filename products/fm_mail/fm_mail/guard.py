"""Address guard: FM Mail connects where the caller says, so it must not reach inside.

A host name is resolved once; every address it resolves to must be public, or the call is
refused before any packet is sent. The caller then connects to the vetted addresses (never
the name again), so a DNS answer that changes between check and connect (rebinding) cannot
slip a private address in. The name is still used for TLS SNI and certificate checks.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass

from fm_mail.errors import AddressNotAllowed, HostNotFound, PortNotAllowed

IMAP_PORTS = frozenset({143, 993})

_Addr = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges some Python versions do not flag, listed explicitly so the rule does not depend
# on the interpreter: CGNAT (RFC 6598) and the EC2 IPv6 metadata endpoint.
_EXTRA_BLOCKED = (
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("169.254.169.254/32"),
)


@dataclass(frozen=True)
class VettedAddress:
    family: int
    sockaddr: tuple
    ip: str


def loopback_allowed() -> bool:
    """``ALLOW_LOOPBACK_IMAP=true`` (tests and sandbox only) lets 127/8 and ::1 through."""
    return os.environ.get("ALLOW_LOOPBACK_IMAP", "false").strip().lower() in {"1", "true", "yes"}


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """IPv4 hidden in an IPv6 address (mapped, 6to4, Teredo, NAT64) reaches that IPv4 host."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal_reason(ip: _Addr, allow_loopback: bool = False) -> str | None:
    """Why ``ip`` may not be contacted, or None when it is a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = refusal_reason(inner, allow_loopback)
            return f"embeds {inner}: {reason}" if reason else None
    if ip.is_loopback:
        return None if allow_loopback else "loopback"
    for net in _EXTRA_BLOCKED:
        if ip in net:
            return "metadata" if net.num_addresses == 1 else "shared (CGNAT)"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("not globally routable", not ip.is_global),
    )
    for reason, hit in checks:
        if hit:
            return reason
    return None


def resolve(host: str, port: int) -> list[VettedAddress]:
    """Resolve ``host`` and vet every address; raise unless all of them may be contacted.

    Port rule: only IMAP's 143 and 993, except that with loopback allowed (tests run
    dovecot on free high ports) any port is accepted when every address is loopback.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostNotFound(f"host name {host!r} does not resolve", field="imap.host") from exc
    allow_loopback = loopback_allowed()
    vetted: list[VettedAddress] = []
    all_loopback = True
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        reason = refusal_reason(ip, allow_loopback)
        if reason is not None:
            raise AddressNotAllowed(
                f"host {host!r} resolves to {ip}, which is not allowed ({reason})",
                field="imap.host",
            )
        all_loopback = all_loopback and _is_loopback(ip)
        if all(v.ip != str(ip) for v in vetted):
            vetted.append(VettedAddress(family, sockaddr, str(ip)))
    if not vetted:
        raise HostNotFound(f"host name {host!r} has no IP address", field="imap.host")
    if port not in IMAP_PORTS and not (allow_loopback and all_loopback):
        raise PortNotAllowed(
            f"port {port} is not allowed; use 993 (TLS) or 143 (STARTTLS)", field="imap.port"
        )
    return vetted


def _is_loopback(ip: _Addr) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback
