"""`vtn serve` over TLS: a certificate and key from VTN_TLS_CERT_FILE / VTN_TLS_KEY_FILE, TLS 1.2 at least."""

from __future__ import annotations

import socket
import ssl

import psycopg
import pytest
import requests
from psycopg.rows import dict_row

from vtn.notify import broker

from .served import ServedVTN


@pytest.fixture
def tls_files(database_url, tmp_path):
    """A server certificate for 127.0.0.1 issued by the VTN's own CA, its key, and the CA to trust."""
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        ca_cert, _ = broker.ca(conn)
        cert, key = broker.server_certificate(conn, ["127.0.0.1"])
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    for name, text in (("ca", ca_cert), ("cert", cert), ("key", key)):
        paths[name].write_text(text)
    return paths


@pytest.fixture
def tls_vtn(database_url, tls_files):
    """`vtn serve` with TLS on."""
    vtn = ServedVTN(
        database_url, workers=1, VTN_TLS_CERT_FILE=str(tls_files["cert"]), VTN_TLS_KEY_FILE=str(tls_files["key"])
    )
    yield vtn
    vtn.stop()


def test_serves_https_with_hsts_and_refuses_plain_http(tls_vtn, tls_files):
    assert tls_vtn.base.startswith("https://")
    response = requests.get(f"{tls_vtn.api}/auth/server", verify=str(tls_files["ca"]), timeout=10)
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{tls_vtn.port}/health", timeout=5)


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_refuses_tls_older_than_1_2(tls_vtn, tls_files, version):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(str(tls_files["ca"]))
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.maximum_version = version
    context.set_ciphers("ALL:@SECLEVEL=0")  # let the client offer the old protocol at all
    with (
        socket.create_connection(("127.0.0.1", tls_vtn.port), timeout=5) as raw,
        pytest.raises(ssl.SSLError) as refused,
        context.wrap_socket(raw, server_hostname="127.0.0.1"),
    ):
        pass
    assert refused.value.reason == "TLSV1_ALERT_PROTOCOL_VERSION"  # the server's alert, not this client refusing
