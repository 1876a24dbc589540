"""The rules a base URL must follow, and what counts as this machine (pure).

The transport parses the URL with yarl, the URL library aiohttp sends with, so that these
rules judge exactly the URL that will be used; they take its parts, not the string.
"""

from __future__ import annotations

import ipaddress

__all__ = ["NOT_A_URL", "base_url_problem", "is_loopback"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})

NOT_A_URL = "base_url is not a URL; give one like 'https://api.getkanal.com/api/v1'"
"""Said of a string that does not parse: not echoed, as it may be anything, a key included."""


def is_loopback(host: str | None) -> bool:
    """Whether `host` names this machine."""
    if host is None:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def base_url_problem(
    *,
    scheme: str,
    host: str | None,
    has_credentials: bool,
    has_query_or_fragment: bool,
    shown: str,
    allow_insecure_http: bool,
) -> str | None:
    """What is wrong with a base URL, in words that name the fix; ``None`` if nothing is.

    Args:
        scheme: the URL's scheme.
        host: its host, or ``None``.
        has_credentials: whether it carries a user or a password.
        has_query_or_fragment: whether it carries a query string or a fragment.
        shown: the URL as it may be echoed: scheme, host, port and path only (a query or
            credentials may hold a secret).
        allow_insecure_http: whether plain ``http://`` to another machine was asked for.
    """
    if has_credentials:
        return "base_url must not contain credentials; pass the key as api_key"
    if scheme not in ("http", "https") or not host:
        return (
            f"base_url {shown!r} must be an absolute http(s) URL, "
            "such as 'https://api.getkanal.com/api/v1'"
        )
    if has_query_or_fragment:
        return f"base_url {shown!r} must not have a query or fragment"
    if scheme == "http" and not allow_insecure_http and not is_loopback(host):
        return (
            f"base_url {shown!r} is plain http to {host}: the API key would cross the "
            "network unencrypted. Use https://, or pass allow_insecure_http=True if you "
            "really mean it."
        )
    return None
