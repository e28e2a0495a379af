"""Settings of the VTN: the only module that reads the environment (``VTN_*`` variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """Every setting of the VTN, with its default; see the README's configuration table."""

    database_url: str | None = None  # None: start the embedded PostgreSQL in data_dir
    data_dir: str = "./vtn-data"
    pool_min_size: int = 1
    pool_max_size: int = 10
    page_cache_mb: int = 16  # per worker: pages of events kept while unchanged (store/page_cache.py); 0 = off
    public_url: str | None = None  # e.g. https://vtn.example.com; None: taken from each request
    token_ttl_seconds: int = 3600
    token_issuer: str = "openadr3-vtn"
    token_audience: str = "openadr3-vtn"
    # External identity provider: when oauth_jwks_url is set, the VTN trusts its tokens and issues none.
    oauth_token_url: str | None = None
    oauth_jwks_url: str | None = None
    oauth_issuer: str | None = None
    oauth_audience: str | None = None
    oauth_scopes_claim: str = "scope"
    oauth_roles_claim: str | None = None
    oauth_client_id_claim: str = "client_id"
    bootstrap_bl_client: bool = True
    # Notifications (webhooks always; MQTT when mqtt_uri is set).
    webhook_allow_http: bool = False  # plain-http callback URLs (development and tests only)
    webhook_allow_private: bool = False  # callbacks to loopback/private/link-local addresses (SSRF guard off)
    # On subscription create/update: the callbacks' scheme and addresses, and the echo check (Definition.md
    # "Webhooks"). Off only for receivers that cannot answer the echo; delivery always checks addresses.
    webhook_verify_on_subscribe: bool = True
    webhook_timeout_seconds: int = 10
    webhook_max_attempts: int = 8
    webhook_hmac_secret: str | None = None  # when set, X-VTN-Signature: sha256=<hex HMAC of the body>
    delivery_threads: int = 16
    delivery_in_serve: bool = True  # `vtn serve` also runs delivery (set false when `vtn worker` runs)
    delivery_retention_days: int = 7  # delivered notifications (and their outbox rows) are kept this long
    mqtt_uri: str | None = None  # broker the VTN publishes to, e.g. mqtts://127.0.0.1:8883
    mqtt_public_uris: str | None = None  # comma-separated URIs advertised to clients (default: mqtt_uri)
    mqtt_auth: str = "certificate"  # certificate (mTLS, broker-enforced isolation) or anonymous (dev only)
    mqtt_topic_prefix: str = "openadr3"
    log_level: str = "INFO"
    token_failures_per_minute: int = 20  # failed /auth/token requests per source address (429 beyond); 0: no limit
    max_content_length: int = 4 * 1024 * 1024  # bytes of a request body (413 beyond)
    max_json_depth: int = 32  # nesting of objects and arrays in a request body (400 beyond)
    max_array_items: int = 10_000  # items of any one array in a request body (400 beyond)
    max_header_bytes: int = 8190  # longest request header field (gunicorn limit_request_field_size; 431 beyond)
    tls_cert_file: str | None = None  # PEM certificate (chain) for `vtn serve` over HTTPS; with tls_key_file
    tls_key_file: str | None = None  # PEM private key of that certificate

    @property
    def external_idp(self) -> bool:
        """True when tokens come from an external identity provider."""
        return self.oauth_jwks_url is not None

    def with_overrides(self, **overrides) -> Config:
        """A copy with some settings changed (used by tests and the CLI)."""
        return replace(self, **overrides)


def _convert(name: str, raw: str, default):
    if isinstance(default, bool):
        return raw.strip().lower() in _TRUE
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError as exc:
            raise SystemExit(f"VTN_{name.upper()} must be an integer, got {raw!r}") from exc
    return raw


def from_env(environ: dict | None = None) -> Config:
    """Build a Config from ``VTN_*`` environment variables; unset ones keep their defaults."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(Config):
        raw = environ.get(f"VTN_{f.name.upper()}")
        if raw is None or raw == "":
            continue
        default = f.default
        values[f.name] = _convert(f.name, raw, default if default is not None else "")
    return Config(**values)
