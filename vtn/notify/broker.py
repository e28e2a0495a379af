"""The MQTT broker's trust: the VTN's certificate authority, the certificates it issues, the broker config.

Clients authenticate to the broker with certificates this CA signs (the spec's CERTIFICATE method); the
broker takes the certificate's CN, which is the OpenADR clientID, as the MQTT username, and a static ACL
lets each username read only ``{prefix}/{username}/#``. Only ``vtn-publisher`` (the VTN itself) may publish.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PUBLISHER = "vtn-publisher"  # the CN (and so the broker username) of the VTN's own publishing connections
CA_DAYS = 3650
CLIENT_DAYS = 90
SERVER_DAYS = 825
PUBLISHER_DAYS = 365
AUTH_MODES = ("certificate", "anonymous")
MAX_INFLIGHT = 1000
MAX_QUEUED = 10000
_FORBIDDEN_IN_ID = ("/", "+", "#", "\x00")


def auth_mode(config) -> str:
    """The configured MQTT authentication mode, checked."""
    if config.mqtt_auth not in AUTH_MODES:
        raise ValueError(f"VTN_MQTT_AUTH must be one of {', '.join(AUTH_MODES)}, not {config.mqtt_auth!r}")
    return config.mqtt_auth


def parse_uri(uri: str) -> tuple[bool, str, int]:
    """(tls, host, port) of an mqtt:// or mqtts:// URI (default ports 1883 and 8883)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"not an mqtt:// or mqtts:// URI: {uri!r}")
    tls = parts.scheme == "mqtts"
    return tls, parts.hostname, parts.port or (8883 if tls else 1883)


def public_uris(config) -> list[str]:
    """The broker URIs advertised to clients (VTN_MQTT_PUBLIC_URIS, else VTN_MQTT_URI)."""
    raw = config.mqtt_public_uris or config.mqtt_uri or ""
    return [uri.strip() for uri in raw.split(",") if uri.strip()]


def usable_client_id(client_id: str) -> bool:
    """True when a clientID can be a certificate CN, a broker username and one topic level."""
    return (
        0 < len(client_id) <= 64
        and client_id != PUBLISHER
        and not any(c in client_id for c in _FORBIDDEN_IN_ID)
        and client_id.strip() == client_id
    )


def _pem_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _pem_cert(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _builder(subject: str, issuer: x509.Name, public_key, days: int) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _new_ca() -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = f"OpenADR VTN MQTT CA {secrets.token_hex(4)}"
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        _builder(name, issuer, key.public_key(), CA_DAYS)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return _pem_cert(cert), _pem_key(key)


def _key_usage(cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip


def ca(conn) -> tuple[str, str]:
    """The VTN's CA as (cert_pem, key_pem), created on first use (one per VTN, shared by all processes)."""
    query = "SELECT cert_pem, key_pem FROM mqtt_ca WHERE id = 1"
    row = conn.execute(query).fetchone()
    if row is None:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('vtn.mqtt_ca'))")
        row = conn.execute(query).fetchone()
    if row is None:
        cert_pem, key_pem = _new_ca()
        conn.execute(
            "INSERT INTO mqtt_ca (id, cert_pem, key_pem) VALUES (1, %(cert)s, %(key)s)",
            {"cert": cert_pem, "key": key_pem},
        )
        return cert_pem, key_pem
    return row["cert_pem"], row["key_pem"]


def _issue(conn, common_name: str, days: int, usage, names: list[x509.GeneralName] | None = None):
    ca_pem, ca_key_pem = ca(conn)
    ca_cert = x509.load_pem_x509_certificate(ca_pem.encode("ascii"))
    ca_key = serialization.load_pem_private_key(ca_key_pem.encode("ascii"), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        _builder(common_name, ca_cert.subject, key.public_key(), days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return _pem_cert(builder.sign(ca_key, hashes.SHA256())), _pem_key(key)


def issue_certificate(conn, common_name: str, days: int = CLIENT_DAYS) -> tuple[str, str]:
    """A client certificate (clientAuth) for ``common_name`` with a fresh key: (cert_pem, key_pem)."""
    return _issue(conn, common_name, days, ExtendedKeyUsageOID.CLIENT_AUTH)


def server_certificate(conn, names: list[str], days: int = SERVER_DAYS) -> tuple[str, str]:
    """The broker's certificate (serverAuth) for localhost, 127.0.0.1 and ``names``: (cert_pem, key_pem)."""
    sans: list[x509.GeneralName] = []
    for name in dict.fromkeys(["localhost", "127.0.0.1", *names]):
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    return _issue(conn, "vtn-mqtt-broker", days, ExtendedKeyUsageOID.SERVER_AUTH, sans)


def publisher_credentials(conn) -> tuple[str, str, str]:
    """What the VTN connects to its broker with: (ca_pem, cert_pem, key_pem), CN vtn-publisher."""
    cert_pem, key_pem = issue_certificate(conn, PUBLISHER, PUBLISHER_DAYS)
    return ca(conn)[0], cert_pem, key_pem


def acl(prefix: str) -> str:
    """The broker's ACL file: every username reads its own tree; only the VTN publishes."""
    own = f"{prefix}/%u/#" if prefix else "%u/#"
    everything = f"{prefix}/#" if prefix else "#"
    return (
        "# Written by `vtn mqtt broker-config`. The username is the client certificate's CN (the clientID).\n"
        f"pattern read {own}\n\nuser {PUBLISHER}\ntopic write {everything}\n"
    )


def mosquitto_conf(directory: Path, host: str, port: int, certificate: bool) -> str:
    """mosquitto.conf for one listener: mTLS with the ACL, or (anonymous mode) plain and open."""
    lines = [
        "# Written by `vtn mqtt broker-config`; run with: mosquitto -c mosquitto.conf",
        "per_listener_settings false",
        "persistence false",
        "log_dest stdout",
        "log_type error",
        "log_type warning",
        "log_type notice",
        "log_type information",
        # The VTN publishes a fan-out as one window of up to this many unacknowledged QoS 1 messages (the
        # broker's Receive Maximum); the default of 20 made 1,000 messages wait for 50 round trips. It is
        # also the window towards each subscriber, whose queue may hold max_queued_messages more.
        f"max_inflight_messages {MAX_INFLIGHT}",
        f"max_queued_messages {MAX_QUEUED}",
    ]
    if not certificate:
        return "\n".join([*lines, "allow_anonymous true", f"listener {port} {host}", ""])
    return "\n".join(
        [
            *lines,
            "allow_anonymous false",
            f"acl_file {directory / 'acl'}",
            f"listener {port} {host}",
            f"cafile {directory / 'ca.crt'}",
            f"certfile {directory / 'server.crt'}",
            f"keyfile {directory / 'server.key'}",
            "tls_version tlsv1.2",
            "require_certificate true",
            "use_identity_as_username true",
            "",
        ]
    )


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner may read (0600), replacing any previous one."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


def write_broker_config(conn, config, directory, host: str = "127.0.0.1", port: int = 8883, sans=()) -> Path:
    """Write mosquitto.conf (and in certificate mode ca.crt, server.crt, server.key, acl) into ``directory``."""
    directory = Path(directory).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    certificate = auth_mode(config) == "certificate"
    if certificate:
        uri_hosts = [parse_uri(uri)[1] for uri in [config.mqtt_uri or "", *public_uris(config)] if uri]
        names = [n for n in [*uri_hosts, *sans] if n not in ("0.0.0.0", "::")]
        cert_pem, key_pem = server_certificate(conn, names)
        (directory / "ca.crt").write_text(ca(conn)[0])
        (directory / "server.crt").write_text(cert_pem)
        write_private(directory / "server.key", key_pem)
        (directory / "acl").write_text(acl(config.mqtt_topic_prefix))
    path = directory / "mosquitto.conf"
    path.write_text(mosquitto_conf(directory, host, port, certificate))
    return path
