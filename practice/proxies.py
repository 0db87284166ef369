"""Who the client is behind a reverse proxy (pure): the one rule for the client's address.

The address keys the login throttle and is the audited source (NEN 7513), so a client
must not be able to choose it. ``X-Forwarded-For`` is written by whoever sends the request;
it is believed only when the direct peer is a proxy named in ``TRUSTED_PROXIES``, and then
only up to the first hop that is not such a proxy (read from the right: each proxy appends
the address it received the request from, so everything left of that hop is the client's
own claim). Nothing is trusted by default.
"""

import ipaddress
from collections.abc import Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16, ::1"`` → networks; ``ValueError`` names a bad item."""
    networks: list[Network] = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or network (CIDR)") from None
    return tuple(networks)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str | None:
    """The client's address: the direct ``peer``, or, when the peer is a trusted proxy, the
    right-most address of the ``X-Forwarded-For`` chain (all its header lines, in order)
    that is not a trusted proxy. A hop that is not an address ends the walk at the last good
    one, so text in the header never becomes the source."""
    peer_ip = _parse(peer) if peer else None
    if peer_ip is None or not _trusted(peer_ip, trusted):
        return peer
    hops = [hop.strip() for line in forwarded_for for hop in line.split(",")]
    address = str(peer_ip)
    for hop in reversed(hops):
        ip = _parse(hop)
        if ip is None:
            break
        address = str(ip)
        if not _trusted(ip, trusted):
            break
    return address


def _trusted(ip: Address, trusted: Sequence[Network]) -> bool:
    return any(ip.version == network.version and ip in network for network in trusted)


def _parse(hop: str) -> Address | None:
    """An address as proxies write it: bare, ``v4:port`` or ``[v6]:port``."""
    text = hop.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket: one client, one throttle key.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip
