"""Webhook calls: the SSRF guard, the echo check (Definition.md "Webhooks") and the notification POST.

The callback's host is resolved and checked, and the connection goes to the address that was checked, so
that DNS cannot swap in a private address between the check and the call (rebinding); redirects are never
followed; every call has a bounded timeout. Notifications reuse keep-alive connections per checked address
(one pool per callback host, shared by the sender threads), and a host's checked address is reused for
``_RESOLVED_SECONDS``: a fan-out to 1,000 callbacks on one host is 1,000 requests on a few connections,
not 1,000 DNS look-ups, TCP (and TLS) handshakes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import ssl
import threading
import time
from collections import OrderedDict
from urllib.parse import urlencode, urlsplit, urlunsplit

import urllib3

from ..config import Config

_RESOLVED_SECONDS = 30.0
_MAX_POOLS = 256  # callback hosts with idle keep-alive connections; the least recently used are closed


class UnsafeCallback(Exception):
    """The callback URL may not be called (scheme, address, or it did not answer the echo)."""


def resolve(url: str, config: Config) -> tuple[str, str, int, str]:
    """(scheme, host, port, checked address) of an allowed callback URL; UnsafeCallback otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeCallback("callbackUrl must be an absolute https URL.")
    if parts.scheme == "http" and not config.webhook_allow_http:
        raise UnsafeCallback("callbackUrl must use https (Definition.md, Webhooks).")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeCallback(f"callbackUrl host {parts.hostname} does not resolve.") from exc
    addresses = [info[4][0] for info in infos]
    if not config.webhook_allow_private:
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not ip.is_global or ip.is_multicast:
                raise UnsafeCallback(f"callbackUrl resolves to a non-public address ({address}).")
    return parts.scheme, parts.hostname, port, addresses[0]


def _request(method: str, url: str, config: Config, body: bytes | None = None, headers: dict | None = None):
    scheme, host, port, address = resolve(url, config)
    parts = urlsplit(url)
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    timeout = urllib3.Timeout(connect=min(5, config.webhook_timeout_seconds), read=config.webhook_timeout_seconds)
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            server_hostname=host,
            assert_hostname=host,
            ssl_context=ssl.create_default_context(),
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
    headers = {"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": "openadr3-vtn", **(headers or {})}
    try:
        return pool.urlopen(method, path, body=body, headers=headers, redirect=False, preload_content=True)
    finally:
        pool.close()


def echo_check(url: str, config: Config) -> None:
    """GET url?echo=<random>; the 200 body must contain the value, else UnsafeCallback."""
    challenge = secrets.token_urlsafe(16)
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    probe = urlunsplit(parts._replace(query=query + urlencode({"echo": challenge})))
    try:
        response = _request("GET", probe, config)
    except urllib3.exceptions.HTTPError as exc:
        raise UnsafeCallback(f"callbackUrl did not answer the echo check: {exc}.") from exc
    if response.status != 200 or challenge not in response.data.decode("utf-8", "replace"):
        raise UnsafeCallback(f"callbackUrl did not echo the challenge (HTTP {response.status}).")


def verify_callbacks(subscription: dict, config: Config) -> None:
    """Check every callback URL of a subscription (scheme, address, echo); UnsafeCallback otherwise."""
    if not config.webhook_verify_on_subscribe:
        return
    for url in sorted({op["callbackUrl"] for op in subscription["object_operations"]}):
        echo_check(url, config)


def signature(body: bytes, secret: str) -> str:
    """The X-VTN-Signature header value: sha256=<hex HMAC-SHA256 of the exact body>."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def post_notification(url: str, notification, bearer_token: str | None, config: Config) -> None:
    """POST one notification (a dict, or its JSON text); returns on a 2xx answer, raises otherwise (to retry)."""
    if isinstance(notification, str):
        body = notification.encode("utf-8")
    else:
        body = json.dumps(notification, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if bearer_token:
        headers["Authorization"] = f"Bearer {bearer_token}"
    if config.webhook_hmac_secret:
        headers["X-VTN-Signature"] = signature(body, config.webhook_hmac_secret)
    response = _POOLS.post(url, body, headers, config)
    if not 200 <= response.status < 300:
        raise urllib3.exceptions.HTTPError(f"HTTP {response.status}")


class _Pools:
    """Keep-alive connection pools per (scheme, host, port, checked address), and recent address checks."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pools: OrderedDict[tuple, urllib3.HTTPConnectionPool] = OrderedDict()
        self._resolved: dict[tuple, tuple[float, tuple]] = {}
        self._ssl: ssl.SSLContext | None = None

    def post(self, url: str, body: bytes, headers: dict, config: Config):
        """POST on a pooled connection; once more on a fresh one if a kept-alive connection was dropped."""
        scheme, host, port, address = self._resolve(url, config)
        parts = urlsplit(url)
        path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        headers = {"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": "openadr3-vtn", **headers}
        timeout = urllib3.Timeout(connect=min(5, config.webhook_timeout_seconds), read=config.webhook_timeout_seconds)
        # A kept-alive connection that the receiver closed while idle, or a pool closed (least recently used)
        # as this call began, gets the call once more, on a fresh connection.
        for attempt in (1, 2):
            pool = self._pool(scheme, host, port, address, config)
            try:
                return pool.urlopen("POST", path, body=body, headers=headers, redirect=False, timeout=timeout)
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.ClosedPoolError):
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # for type checkers: the loop returns or raises

    def _resolve(self, url: str, config: Config) -> tuple[str, str, int, str]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, config.webhook_allow_http, config.webhook_allow_private)
        now = time.monotonic()
        found = self._resolved.get(key)
        if found is not None and found[0] > now:
            return found[1]
        checked = resolve(url, config)
        with self._lock:
            if len(self._resolved) > 4 * _MAX_POOLS:
                self._resolved.clear()
            self._resolved[key] = (now + _RESOLVED_SECONDS, checked)
        return checked

    def _pool(self, scheme: str, host: str, port: int, address: str, config: Config):
        key = (scheme, host, port, address)
        with self._lock:
            pool = self._pools.get(key)
            if pool is not None:
                self._pools.move_to_end(key)
                return pool
            if scheme == "https":
                self._ssl = self._ssl or ssl.create_default_context()
                pool = urllib3.HTTPSConnectionPool(
                    address, port, retries=False, maxsize=config.delivery_threads, block=False,
                    server_hostname=host, assert_hostname=host, ssl_context=self._ssl,
                )  # fmt: skip
            else:
                pool = urllib3.HTTPConnectionPool(
                    address, port, retries=False, maxsize=config.delivery_threads, block=False
                )
            self._pools[key] = pool
            while len(self._pools) > _MAX_POOLS:
                self._pools.popitem(last=False)[1].close()
            return pool


_POOLS = _Pools()
