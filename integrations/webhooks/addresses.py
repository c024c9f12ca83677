"""Refusal of webhook URLs that point into the network Tierline runs in.

A subscription could otherwise make Tierline's workers send requests to
internal services (server-side request forgery). The host is resolved and
every address it resolves to must be public, unless the setting
WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on (tests use it for a receiver on
127.0.0.1). The check runs when a subscription is saved and again before
each delivery, because DNS answers can change in between.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

ALLOWED_SCHEMES = {"http", "https"}
# A name of this module's own, so tests can stop webhook lookups without touching other sockets.
getaddrinfo = socket.getaddrinfo


def address_is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def resolve_host(host: str, port: int) -> list:
    """Return every address the host resolves to; an IP literal resolves to itself without DNS."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError(f"Invalid webhook URL: the host {host!r} cannot be resolved ({error}).") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_webhook_url(url: str) -> None:
    """Raise ValidationError unless the URL is http(s) and resolves only to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise ValidationError(f"Invalid webhook URL {url!r}: use an http:// or https:// URL with a host name.")
    if parts.username or parts.password:
        raise ValidationError(f"Invalid webhook URL {url!r}: remove the user name and password from it.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(f"Invalid webhook URL {url!r}: the port is not a number from 1 to 65535.") from None
    addresses = resolve_host(parts.hostname, port)
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    internal = sorted({str(address) for address in addresses if address_is_internal(address)})
    if internal:
        raise ValidationError(
            f"Webhook URL {url!r} resolves to the private, loopback or link-local address "
            f"{', '.join(internal)}: use a public URL."
        )
