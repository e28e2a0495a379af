"""Webhook calls: the SSRF guard, the echo check (Definition.md "Webhooks") and the notification POST.

The callback's host is resolved once per call and the connection goes to the address that was checked,
so that DNS cannot swap in a private address between the check and the call (rebinding); redirects are
never followed; every call has a bounded timeout.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import ssl
from urllib.parse import urlencode, urlsplit, urlunsplit

import urllib3

from ..config import Config


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


def post_notification(url: str, notification: dict, bearer_token: str | None, config: Config) -> None:
    """POST one notification; returns on a 2xx answer, raises otherwise (the caller retries)."""
    body = json.dumps(notification, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if bearer_token:
        headers["Authorization"] = f"Bearer {bearer_token}"
    if config.webhook_hmac_secret:
        headers["X-VTN-Signature"] = signature(body, config.webhook_hmac_secret)
    response = _request("POST", url, config, body=body, headers=headers)
    if not 200 <= response.status < 300:
        raise urllib3.exceptions.HTTPError(f"HTTP {response.status}")
