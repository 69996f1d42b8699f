"""Where a webhook may be delivered: never into the machine's own network (SSRF).

A target is refused when its host is, or resolves to, an address that is not globally routable
(loopback, private, link-local such as the cloud metadata service 169.254.169.254, shared,
reserved, unspecified) or a multicast one. Every address a name resolves to must pass, IPv6
addresses are also read through the IPv4 address they embed (IPv4-mapped, 6to4, Teredo), and
IPv4 literals are read in every form a resolver accepts (2852039166, 0251.0376.0251.0376,
0xa9fea9fe, 127.1). The rule runs when a subscription is created or changed and again, with a
fresh DNS look-up, before every delivery; redirects are never followed.
WEBHOOK_ALLOW_PRIVATE_TARGETS=true lifts it (an on-premises CRM on a private network).
"""

import ipaddress
import re
import socket
from socket import getaddrinfo
from urllib.parse import urlsplit

from django.conf import settings

ALLOWED_SCHEMES = frozenset({"http", "https"})
IPV4_LITERAL_RE = re.compile(r"^[0-9a-fx.]+$")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """The target is not allowed (its reason is the message)."""


class TargetUnresolved(TargetRefused):
    """The target's name does not resolve (at delivery time: maybe a passing DNS failure)."""


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if IPV4_LITERAL_RE.match(host):
        try:  # the forms inet_aton reads: decimal, octal, hexadecimal, short (127.1)
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded(address: Address) -> list[Address]:
    found: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
    return found


def _kind(address: Address) -> str | None:
    """Why an address is not a public unicast one, or None when it is."""
    for candidate in _embedded(address):
        for kind, test in (
            ("unspecified", candidate.is_unspecified),
            ("loopback", candidate.is_loopback),
            ("link-local", candidate.is_link_local),
            ("multicast", candidate.is_multicast),
            ("private", candidate.is_private),
            ("reserved", candidate.is_reserved),
            ("non-public", not candidate.is_global),
        ):
            if test:
                return kind
    return None


def _addresses(host: str, port: int) -> list[Address]:
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as error:
        raise TargetUnresolved(f"{host} does not resolve ({error})") from None
    addresses = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone (fe80::1%eth0)
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            raise TargetRefused(f"{host} resolves to {text!r}, which is not an address") from None
    if not addresses:
        raise TargetUnresolved(f"{host} does not resolve")
    return addresses


def webhook_target_check(*, url: str) -> None:
    """Raises TargetRefused (or TargetUnresolved) with the reason when `url` may not be a
    webhook target; resolves the host's name each time it is called."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise TargetRefused(f"cannot read the URL ({error})") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise TargetRefused("only http and https URLs can receive webhooks")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("the URL has no host")
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    default_port = 443 if parts.scheme.lower() == "https" else 80
    for address in _addresses(host, port or default_port):
        kind = _kind(address)
        if kind is not None:
            shown = host if str(address) == host else f"{host} resolves to {address}, which"
            raise TargetRefused(
                f"{shown} is a {kind} address; webhooks only go to public addresses "
                "(WEBHOOK_ALLOW_PRIVATE_TARGETS)"
            )


def webhook_target_refusal(*, url: str) -> str | None:
    """The reason `url` is refused as a webhook target, or None."""
    try:
        webhook_target_check(url=url)
    except TargetRefused as refusal:
        return str(refusal)
    return None
