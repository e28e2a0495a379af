"""The `vtn` command: client add/list/remove, db upgrade, and serve's first-start BL client."""

import json

import psycopg
import requests

from .served import ServedVTN, add_client, vtn_command


def test_client_add_json_list_and_remove(database_url):
    created = add_client(database_url, "ven", "Automaker A")
    assert set(created) >= {"client_id", "client_secret"}
    listed = json.loads(vtn_command(database_url, "client", "list", "--json"))
    assert [c["client_id"] for c in listed] == [created["client_id"]]
    assert "client_secret" not in listed[0] and "secret_hash" not in listed[0]
    assert created["client_id"] in vtn_command(database_url, "client", "list")
    assert "removed" in vtn_command(database_url, "client", "remove", created["client_id"])
    assert json.loads(vtn_command(database_url, "client", "list", "--json")) == []


def test_client_add_plain_prints_id_and_secret_once(database_url):
    out = vtn_command(database_url, "client", "add", "--role", "auditor", "--name", "Auditor")
    assert "client_id:" in out and "client_secret:" in out
    with psycopg.connect(database_url) as conn:
        stored = conn.execute("SELECT secret_hash FROM client").fetchone()[0]
    secret = out.split("client_secret:")[1].split()[0]
    assert secret not in stored and stored.startswith("scrypt$")


def test_db_upgrade_is_idempotent(database_url):
    assert "up to date" in vtn_command(database_url, "db", "upgrade")


def test_serve_creates_one_bl_client_on_first_start(database_url):
    first = ServedVTN(database_url, workers=1, VTN_BOOTSTRAP_BL_CLIENT="true")
    out = first.stop()
    assert out.count("client_secret:") == 1
    client_id = out.split("client_id:")[1].split()[0]
    secret = out.split("client_secret:")[1].split()[0]
    second = ServedVTN(database_url, workers=1, VTN_BOOTSTRAP_BL_CLIENT="true")
    try:
        token = second.token({"client_id": client_id, "client_secret": secret})
        response = requests.get(f"{second.api}/programs", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 200
    finally:
        assert "client_secret:" not in second.stop()
