"""Settlement files: Ed25519 export key and detached signatures (also checked by `openssl`), CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from vtn.verify import settlement, signing

from .served import vtn_command

START = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
END = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)


def _row(**overrides) -> dict:
    row = {
        "programID": "program-1",
        "eventID": "event-1",
        "eventName": 'Peak, "pause" 17:00',
        "eventStart": START,
        "eventEnd": END,
        "clientID": "ven-abc",
        "venName": "automaker-a",
        "resourceName": None,
        "baselineKWh": 120.5,
        "measuredKWh": Decimal("80.25"),
        "shedKWh": 1 / 3,
        "exportedKWh": 0.0,
        "maxShedKW": 3.0,
        "compliant": True,
        "completeness": 1,
        "dataQuality": "OK",
    }
    return {**row, **overrides}


ROWS = [_row(), _row(resourceName="vehicle-7", compliant=False, shedKWh=1e-9, completeness=0.75), _row(compliant=None)]


def _openssl_rawin() -> str:
    """The openssl executable if it can verify raw Ed25519 signatures (OpenSSL 3: pkeyutl -rawin)."""
    openssl = shutil.which("openssl")
    assert openssl is not None, "the offline check needs the openssl command line (Debian package openssl)"
    version = subprocess.run([openssl, "version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("OpenSSL 3"), f"pkeyutl -rawin needs OpenSSL 3, this is {version.strip()}"
    return openssl


def _openssl_verify(openssl: str, key, path, sig) -> subprocess.CompletedProcess:
    command = [openssl, "pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-in", path, "-sigfile", sig]
    return subprocess.run([str(part) for part in command], capture_output=True, text=True)


def test_sign_and_verify_round_trip(app):
    data = b"programID,eventID\r\nprogram-1,event-1\r\n"
    with app.extensions["vtn"].db.transaction() as conn:
        kid, signature = signing.sign(conn, data)
        keys = signing.public_keys(conn)
    assert len(signature) == 64
    assert [key["kid"] for key in keys] == [kid]
    assert keys[0]["public_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert signing.verify(keys[0]["public_pem"], data, signature)


def test_a_tampered_byte_or_signature_fails(app):
    data = b"a settlement file"
    with app.extensions["vtn"].db.transaction() as conn:
        _, signature = signing.sign(conn, data)
        pem = signing.export_key(conn)["public_pem"]
    assert not signing.verify(pem, b"A settlement file", signature)
    assert not signing.verify(pem, data + b"\n", signature)
    assert not signing.verify(pem, data, bytes([signature[0] ^ 1]) + signature[1:])


def test_the_key_is_kept_and_reused_until_retired(app):
    db = app.extensions["vtn"].db
    with db.transaction() as conn:
        first = signing.export_key(conn)
    with db.transaction() as conn:
        assert signing.export_key(conn) == first
        assert signing.sign(conn, b"x")[0] == first["kid"]
        conn.execute("UPDATE export_key SET retired = now()")
    with db.transaction() as conn:
        second = signing.export_key(conn)
        assert second["kid"] != first["kid"]
        assert [key["kid"] for key in signing.public_keys(conn)] == [second["kid"]]
        assert conn.execute("SELECT count(*) AS n FROM export_key").fetchone()["n"] == 2


def test_csv_quotes_commas_and_quotes_and_formats_values():
    text = "".join(settlement.render_csv(ROWS))
    lines = text.split("\r\n")
    assert lines[0] == ",".join(settlement.COLUMNS) and lines[-1] == "" and len(lines) == 5
    assert lines[1] == (
        'program-1,event-1,"Peak, ""pause"" 17:00",2026-12-01T17:00:00Z,2026-12-01T19:00:00Z,ven-abc,automaker-a,'
        ",120.5,80.25,0.333333,0,3,true,1,OK"
    )
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["eventName"] for row in parsed] == ['Peak, "pause" 17:00'] * 3
    assert [(r["resourceName"], r["compliant"], r["shedKWh"], r["completeness"]) for r in parsed] == [
        ("", "true", "0.333333", "1"),
        ("vehicle-7", "false", "0", "0.75"),
        ("", "", "0.333333", "1"),
    ]


def test_csv_of_no_rows_is_the_header():
    assert list(settlement.render_csv([])) == [",".join(settlement.COLUMNS) + "\r\n"]


def test_json_shape():
    meta = {"programID": "program-1", "since": START, "perResource": True}
    chunks = list(settlement.render_json(iter(ROWS), meta))
    assert len(chunks) == len(ROWS) + 2  # opening, one per row, closing
    document = json.loads("".join(chunks))
    assert list(document) == ["meta", "rows"]
    assert document["meta"] == {"programID": "program-1", "since": "2026-12-01T17:00:00Z", "perResource": True}
    assert [list(row) for row in document["rows"]] == [list(settlement.COLUMNS)] * 3
    first, second, third = document["rows"]
    assert first["eventName"] == 'Peak, "pause" 17:00' and first["eventStart"] == "2026-12-01T17:00:00Z"
    assert (first["resourceName"], first["measuredKWh"], first["shedKWh"], first["compliant"]) == (
        None,
        80.25,
        0.333333,
        True,
    )
    assert (second["resourceName"], second["compliant"], second["shedKWh"]) == ("vehicle-7", False, 0.0)
    assert third["compliant"] is None
    assert json.loads("".join(settlement.render_json([], {}))) == {"meta": {}, "rows": []}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_written_file_verifies_with_openssl(app, tmp_path, fmt):
    openssl = _openssl_rawin()
    path = tmp_path / f"settlement.{fmt}"
    chunks = settlement.render_csv(ROWS) if fmt == "csv" else settlement.render_json(ROWS, {"programID": "p"})
    with app.extensions["vtn"].db.transaction() as conn:
        kid, sig_path = settlement.write_signed(conn, path, chunks)
        key = signing.export_key(conn)
    assert kid == key["kid"] and sig_path == f"{path}.sig"
    assert not (tmp_path / f"settlement.{fmt}.part").exists()
    pem = tmp_path / "export-key.pem"
    pem.write_text(key["public_pem"])
    signature = (tmp_path / f"settlement.{fmt}.sig").read_bytes()
    assert len(signature) == 64 and signing.verify(key["public_pem"], path.read_bytes(), signature)

    good = _openssl_verify(openssl, pem, path, sig_path)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Signature Verified Successfully" in good.stdout

    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of one byte
    path.write_bytes(bytes(data))
    bad = _openssl_verify(openssl, pem, path, sig_path)
    assert bad.returncode != 0 and "Signature Verified Successfully" not in bad.stdout


def test_public_key_command_prints_the_persisted_key(app, database_url, tmp_path):
    openssl = _openssl_rawin()
    printed = vtn_command(database_url, "settlement", "public-key")
    assert printed.startswith("-----BEGIN PUBLIC KEY-----") and printed.endswith("-----END PUBLIC KEY-----\n")
    assert vtn_command(database_url, "settlement", "public-key") == printed  # created once, then reused
    out = tmp_path / "export-key.pem"
    assert "wrote" in vtn_command(database_url, "settlement", "public-key", "--out", str(out))
    assert out.read_text() == printed

    path = tmp_path / "settlement.csv"
    with app.extensions["vtn"].db.transaction() as conn:
        kid, sig_path = settlement.write_signed(conn, path, settlement.render_csv(ROWS))
        assert [key["kid"] for key in signing.public_keys(conn)] == [kid]
    done = _openssl_verify(openssl, out, path, sig_path)
    assert done.returncode == 0, done.stdout + done.stderr
