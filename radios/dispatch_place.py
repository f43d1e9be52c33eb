"""Where video to HQ goes, as a person may read it: ``scheme://host:port`` of HQ's media server.

The ``[dispatch] url`` is a template (``{vehicle}``, ``{stream}``, ``{password}``) and may
carry secrets in its userinfo (``user:password@``), its path (an RTMP stream key) or its
query (``passphrase=…``). What the gateway retains on ``dispatch`` as ``target``, and what a
seat shows, is only the scheme, the host and the port: nothing else of the url can leak.
Pure functions, called from any thread.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

DEFAULT_PORTS = {"rtmp": 1935, "rtmps": 443}
"""ffmpeg's ports for a url that names none; SRT has no default and names its port."""
MAX_HOST_CHARS = 253
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,15}")
_HOST_NAME = re.compile(r"(?!-)[\w-]+(?:\.(?!-)[\w-]+)*\.?")


def display_target(url: object) -> str:
    """HQ's media server in ``url`` as ``scheme://host:port``; "" when ``url`` names none readably.

    Userinfo, path, query and fragment are left out; so is a host that is not a plain name
    or address (a ``{placeholder}``, ``%``-escapes, control characters), since it cannot be
    told apart from a secret. A ``scheme://host:port`` comes back unchanged.
    """
    if not isinstance(url, str) or "://" not in url:
        return ""
    scheme = url.partition("://")[0].lower()
    if not _SCHEME.fullmatch(scheme):
        return ""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number, or out of range; a broken [IPv6]
        return ""
    host = _plain_host(host or "")
    if not host:
        return ""
    port = port or DEFAULT_PORTS.get(scheme)
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def split_target(target: object) -> tuple[str, str] | None:
    """``("srt", "hq.example:9000")`` from a ``target`` (cleaned first); None when it names no server."""
    shown = display_target(target)
    if not shown:
        return None
    scheme, _, place = shown.partition("://")
    return scheme, place


def _plain_host(host: str) -> str:
    """``host`` as it may be shown (IPv6 in brackets), or "" when it is not a plain name or address."""
    if not host or len(host) > MAX_HOST_CHARS:
        return ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.lower() if _HOST_NAME.fullmatch(host) else ""
    return f"[{address.compressed}]" if address.version == 6 else address.compressed
