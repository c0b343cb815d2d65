"""Which addresses a redirect may lead to: never from the internet into this machine, its
network or a cloud's metadata service, unless the source was configured there."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def is_internal(address: str) -> bool:
    """True for an IP that is not a public unicast address: loopback, private, link-local
    (169.254.169.254, the cloud metadata service), shared, reserved, multicast, unspecified;
    an IPv4 address inside IPv6 (mapped, NAT64, 6to4) is judged as the IPv4 it carries."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # a zone index (fe80::1%eth0) is no part
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or ip.sixtofour or _nat64(ip)
        if carried is not None:
            return is_internal(str(carried))
    return not ip.is_global or ip.is_multicast


def _nat64(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def addresses_of(host: str) -> list[str]:
    """The IPs a host name stands for (itself for an IP literal); [] when it does not
    resolve here (behind a proxy, the proxy resolves it)."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return [host]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in found))  # the resolver's order


def internal_addresses(url: str) -> list[str]:
    """The internal IPs the URL's host resolves to (any one is enough to refuse it)."""
    host = urlsplit(url).hostname or ""
    return [a for a in addresses_of(host) if is_internal(a)] if host else []


def refused_target(target: str, configured: str) -> str | None:
    """Why fetching `target` is refused (None when allowed): it reaches an internal
    address while the source's configured address does not. A source configured on an
    internal address (an intranet feed, a test server) may go anywhere."""
    reached = internal_addresses(target)
    if not reached or internal_addresses(configured):
        return None
    return f"redirect to an internal address refused: {target} ({', '.join(reached)})"
