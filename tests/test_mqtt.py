"""The MQTT notifier: GET /notifiers, the topic endpoints, certificates, and a real Mosquitto enforcing isolation.

The broker is configured by write_broker_config (mTLS with the VTN's CA, static ACL) and run as a process;
VENs connect with exactly what GET /notifiers gave them.
"""

from __future__ import annotations

import json
import stat
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from vtn import create_app
from vtn.auth.secrets import hash_secret, new_secret
from vtn.notify import broker
from vtn.notify.mqtt import Publisher, PublishError

from . import builders as b
from .conftest import Parties, Party
from .mosquitto import Client, Mosquitto
from .served import free_port, vtn_command


@pytest.fixture
def mqtt_port() -> int:
    """The port of the test's broker."""
    return free_port()


@pytest.fixture
def mqtt_config(config, mqtt_port):
    """Settings with MQTT on (certificate authentication) at the test's broker."""
    return config.with_overrides(mqtt_uri=f"mqtts://127.0.0.1:{mqtt_port}")


@pytest.fixture
def mqtt_app(mqtt_config):
    """The VTN with MQTT on."""
    application = create_app(mqtt_config, migrate=False)
    yield application
    application.extensions["vtn"].db.close()


@pytest.fixture
def mqtt_parties(mqtt_app) -> Parties:
    """Parties of the MQTT-enabled VTN."""
    return Parties(mqtt_app)


@pytest.fixture
def mosquitto(mqtt_app, mqtt_config, mqtt_port, tmp_path):
    """A running Mosquitto configured by write_broker_config for the VTN's database."""
    with mqtt_app.extensions["vtn"].db.transaction() as conn:
        conf = broker.write_broker_config(conn, mqtt_config, tmp_path / "broker", "127.0.0.1", mqtt_port)
    process = Mosquitto(conf, mqtt_port)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def publisher(mqtt_app, mqtt_config):
    """The VTN's publisher connected to the test's broker."""
    pub = Publisher(mqtt_config, mqtt_app.extensions["vtn"].db)
    yield pub
    pub.close()


@pytest.fixture
def clients(mqtt_port, tmp_path):
    """A factory of MQTT clients (closed after the test)."""
    made = []

    def make(authentication: dict | None, tls: bool = True) -> Client:
        client = Client(mqtt_port, tmp_path, authentication, tls)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def _notifiers(party: Party) -> dict:
    response = party.get("/notifiers")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _topics(party: Party, path: str) -> dict:
    response = party.get(f"/notifiers/mqtt/topics{path}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["topics"]


def _connected(clients, party: Party) -> Client:
    client = clients(_notifiers(party)["MQTT"]["authentication"])
    assert client.connect()
    return client


# --- GET /notifiers ----------------------------------------------------------------------------------------


def test_notifiers_without_mqtt_is_webhook_only(bl, ven, parties):
    assert _notifiers(bl) == {"WEBHOOK": True}
    assert _notifiers(ven) == {"WEBHOOK": True}
    assert _notifiers(parties("auditor")) == {"WEBHOOK": True}


def test_notifiers_needs_a_valid_token(http):
    response = http.get("/openadr3/3.1.0/notifiers")
    assert response.status_code == 401
    bad = http.get("/openadr3/3.1.0/notifiers", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401


def test_notifiers_gives_each_caller_its_certificate(mqtt_parties, mqtt_app, mqtt_port):
    for role in ("bl", "ven", "auditor"):
        party = mqtt_parties(role)
        answer = _notifiers(party)
        assert answer["WEBHOOK"] is True
        mqtt = answer["MQTT"]
        assert mqtt["URIS"] == [f"mqtts://127.0.0.1:{mqtt_port}"]
        assert mqtt["serialization"] == "JSON"
        auth = mqtt["authentication"]
        assert set(auth) == {"method", "caCert", "clientCert", "clientKey"} and auth["method"] == "CERTIFICATE"
        ca = x509.load_pem_x509_certificate(auth["caCert"].encode())
        cert = x509.load_pem_x509_certificate(auth["clientCert"].encode())
        key = serialization.load_pem_private_key(auth["clientKey"].encode(), password=None)
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == party.client_id
        cert.verify_directly_issued_by(ca)
        assert ExtendedKeyUsageOID.CLIENT_AUTH in cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert key.public_key().public_numbers() == cert.public_key().public_numbers()
    with mqtt_app.extensions["vtn"].db.transaction() as conn:
        assert conn.execute("SELECT count(*) AS n FROM mqtt_ca").fetchone()["n"] == 1


def test_each_call_issues_a_fresh_key_under_the_same_ca(mqtt_parties):
    ven = mqtt_parties("ven")
    first, second = (_notifiers(ven)["MQTT"]["authentication"] for _ in range(2))
    assert first["caCert"] == second["caCert"]
    assert first["clientKey"] != second["clientKey"] and first["clientCert"] != second["clientCert"]


def test_notifiers_registers_the_caller_for_mqtt(mqtt_parties, mqtt_app):
    bl, ven, auditor = mqtt_parties("bl"), mqtt_parties("ven"), mqtt_parties("auditor")
    for party in (bl, ven, auditor, ven):
        _notifiers(party)
    with mqtt_app.extensions["vtn"].db.transaction() as conn:
        rows = conn.execute("SELECT client_id, sees_all FROM mqtt_client ORDER BY client_id").fetchall()
    assert {r["client_id"]: r["sees_all"] for r in rows} == {bl.client_id: True, ven.client_id: False,
                                                            auditor.client_id: True}  # fmt: skip


def test_public_uris_and_anonymous_mode(config, tmp_path):
    cfg = config.with_overrides(
        mqtt_uri="mqtt://127.0.0.1:1999",
        mqtt_public_uris="mqtt://broker.example.com:1883, mqtts://broker.example.com:8883",
        mqtt_auth="anonymous",
    )
    app = create_app(cfg, migrate=False)
    try:
        answer = _notifiers(Parties(app)("ven"))
        assert answer["MQTT"] == {
            "URIS": ["mqtt://broker.example.com:1883", "mqtts://broker.example.com:8883"],
            "serialization": "JSON",
            "authentication": {"method": "ANONYMOUS"},
        }
        with app.extensions["vtn"].db.transaction() as conn:
            conf = broker.write_broker_config(conn, cfg, tmp_path, "127.0.0.1", 1999)
        text = conf.read_text()
        assert "allow_anonymous true" in text and "listener 1999 127.0.0.1" in text
        assert "acl_file" not in text and "require_certificate" not in text
        assert not (tmp_path / "acl").exists() and not (tmp_path / "server.key").exists()
    finally:
        app.extensions["vtn"].db.close()


def test_reserved_or_unusable_client_ids_get_no_mqtt(mqtt_app):
    http = mqtt_app.test_client()
    for client_id in (broker.PUBLISHER, "ven/other", "ven+", "x" * 65):
        secret = new_secret()
        with mqtt_app.extensions["vtn"].db.transaction() as conn:
            conn.execute(
                "INSERT INTO client (client_id, name, role, secret_hash) VALUES (%s, 'odd', 'bl', %s)",
                (client_id, hash_secret(secret)),
            )
        party = Party(http, client_id, secret, "bl")
        assert _notifiers(party) == {"WEBHOOK": True}, client_id
        assert party.get("/notifiers/mqtt/topics/events").status_code == 404


# --- topic endpoints ---------------------------------------------------------------------------------------

ALL_OBJECTS = ("programs", "events", "reports", "subscriptions", "vens", "resources")


def _expected(root: str, with_create: bool = True) -> dict:
    ops = ("create", "update", "delete") if with_create else ("update", "delete")
    return {op.upper(): f"{root}/{op}" for op in ops} | {"ALL": f"{root}/+"}


def test_topic_endpoints_for_bl(mqtt_parties):
    bl, ven = mqtt_parties("bl"), mqtt_parties("ven")
    program = bl.create("/programs", b.program())
    ven_obj = bl.create("/vens", b.ven_by_bl(ven.client_id))
    root = f"openadr3/{bl.client_id}"
    for collection in ALL_OBJECTS:
        assert _topics(bl, f"/{collection}") == _expected(f"{root}/{collection}")
    pid, vid = program["id"], ven_obj["id"]
    assert _topics(bl, f"/programs/{pid}") == _expected(f"{root}/programs/{pid}", with_create=False)
    assert _topics(bl, f"/programs/{pid}/events") == _expected(f"{root}/events/programs/{pid}")
    assert _topics(bl, f"/vens/{vid}") == _expected(f"{root}/vens/{vid}", with_create=False)
    assert _topics(bl, f"/vens/{vid}/resources") == _expected(f"{root}/vens/{vid}/resources")
    for collection in ("events", "programs"):  # published per ven for VEN readers only
        assert bl.get(f"/notifiers/mqtt/topics/vens/{vid}/{collection}").status_code == 404


def test_program_reports_and_subscriptions_topics_of_the_binding_document(mqtt_parties, mqtt_app):
    # Section 8.2 of the non-normative document has them; the YAML does not (so no schema check here).
    bl, ven = mqtt_parties("bl"), mqtt_parties("ven")
    pid = bl.create("/programs", b.program())["id"]
    http = mqtt_app.test_client()
    for collection in ("reports", "subscriptions"):
        path = f"/openadr3/3.1.0/notifiers/mqtt/topics/programs/{pid}/{collection}"
        response = http.get(path, headers={"Authorization": f"Bearer {bl.token}"})
        assert response.get_json() == {"topics": _expected(f"openadr3/{bl.client_id}/{collection}/programs/{pid}")}
        assert http.get(path, headers={"Authorization": f"Bearer {ven.token}"}).status_code == 403
        unknown = path.replace(pid, "no-such-program")
        assert http.get(unknown, headers={"Authorization": f"Bearer {bl.token}"}).status_code == 404


def test_topic_endpoints_for_the_auditor(mqtt_parties):
    auditor = mqtt_parties("auditor")
    assert _topics(auditor, "/events") == _expected(f"openadr3/{auditor.client_id}/events")


def test_topic_endpoints_for_a_ven(mqtt_parties):
    bl, ven_a, ven_b = mqtt_parties("bl"), mqtt_parties("ven"), mqtt_parties("ven")
    program = bl.create("/programs", b.program())
    mine = bl.create("/vens", b.ven_by_bl(ven_a.client_id))
    theirs = bl.create("/vens", b.ven_by_bl(ven_b.client_id))
    own = ven_a.create("/vens", b.ven_by_ven())  # a ven the VEN made itself is its own too
    for collection in ALL_OBJECTS:
        assert ven_a.get(f"/notifiers/mqtt/topics/{collection}").status_code == 403
    assert ven_a.get(f"/notifiers/mqtt/topics/programs/{program['id']}").status_code == 403
    assert ven_a.get(f"/notifiers/mqtt/topics/programs/{program['id']}/events").status_code == 403
    for ven_obj in (mine, own):
        root = f"openadr3/{ven_a.client_id}/vens/{ven_obj['id']}"
        assert _topics(ven_a, f"/vens/{ven_obj['id']}") == _expected(root, with_create=False)
        for collection in ("events", "programs", "resources"):
            assert _topics(ven_a, f"/vens/{ven_obj['id']}/{collection}") == _expected(f"{root}/{collection}")
    for suffix in ("", "/events", "/programs", "/resources"):
        for ven_id in (theirs["id"], "no-such-ven"):
            response = ven_a.get(f"/notifiers/mqtt/topics/vens/{ven_id}{suffix}")
            assert response.status_code == 404, (ven_id, suffix)


def test_topic_endpoints_404_for_unknown_objects(mqtt_parties):
    bl = mqtt_parties("bl")
    for path in ("/programs/no-such", "/programs/no-such/events", "/vens/no-such", "/vens/no-such/events"):
        assert bl.get(f"/notifiers/mqtt/topics{path}").status_code == 404, path
    program = bl.create("/programs", b.program())
    bl.delete(f"/programs/{program['id']}")
    assert bl.get(f"/notifiers/mqtt/topics/programs/{program['id']}").status_code == 404
    assert bl.get("/notifiers/mqtt/topics/programs/bad%20id").status_code == 400


def test_topic_endpoints_404_when_mqtt_is_off(bl, ven):
    for path in ("/programs", "/events", "/vens", "/resources", "/reports", "/subscriptions"):
        response = bl.get(f"/notifiers/mqtt/topics{path}")
        assert response.status_code == 404
        assert response.get_json()["detail"] == "MQTT notifier not configured."
    ven_obj = bl.create("/vens", b.ven_by_bl(ven.client_id))
    assert ven.get(f"/notifiers/mqtt/topics/vens/{ven_obj['id']}/events").status_code == 404
    assert bl.get("/notifiers/mqtt/topics/events", token=None).status_code == 401


def test_topic_endpoints_register_the_caller(mqtt_parties, mqtt_app):
    bl = mqtt_parties("bl")
    _topics(bl, "/events")
    with mqtt_app.extensions["vtn"].db.transaction() as conn:
        assert conn.execute("SELECT sees_all FROM mqtt_client").fetchall() == [{"sees_all": True}]


# --- the broker configuration ------------------------------------------------------------------------------


def test_broker_config_files(mqtt_app, mqtt_config, tmp_path):
    with mqtt_app.extensions["vtn"].db.transaction() as conn:
        conf = broker.write_broker_config(conn, mqtt_config, tmp_path, "0.0.0.0", 8883, sans=["mqtt.example.com"])
        ca_pem = broker.ca(conn)[0]
    text = conf.read_text()
    for line in ("listener 8883 0.0.0.0", "require_certificate true", "use_identity_as_username true",
                 "allow_anonymous false", f"acl_file {tmp_path / 'acl'}", "persistence false"):  # fmt: skip
        assert line in text.splitlines(), line
    assert (tmp_path / "acl").read_text().split("\n")[1:] == [
        "pattern read openadr3/%u/#", "", "user vtn-publisher", "topic write openadr3/#", ""
    ]  # fmt: skip
    assert stat.S_IMODE((tmp_path / "server.key").stat().st_mode) == 0o600
    assert (tmp_path / "ca.crt").read_text() == ca_pem
    server = x509.load_pem_x509_certificate((tmp_path / "server.crt").read_bytes())
    server.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_pem.encode()))
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {"localhost", "mqtt.example.com"}
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert ExtendedKeyUsageOID.SERVER_AUTH in server.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value


def test_cli_broker_config(database_url, tmp_path):
    out = vtn_command(database_url, "mqtt", "broker-config", "--dir", str(tmp_path), "--port", "18883",
                      "--san", "broker.example.com", "--san", "10.0.0.7")  # fmt: skip
    assert "mosquitto.conf" in out
    assert "listener 18883 127.0.0.1" in (tmp_path / "mosquitto.conf").read_text()
    server = x509.load_pem_x509_certificate((tmp_path / "server.crt").read_bytes())
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "broker.example.com" in sans.get_values_for_type(x509.DNSName)
    assert "10.0.0.7" in [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]


# --- a real broker: isolation enforced by Mosquitto -------------------------------------------------------


def test_ven_receives_its_own_topics(mosquitto, publisher, mqtt_parties, clients):
    bl, ven = mqtt_parties("bl"), mqtt_parties("ven")
    ven_obj = bl.create("/vens", b.ven_by_bl(ven.client_id))
    client = _connected(clients, ven)
    topics = _topics(ven, f"/vens/{ven_obj['id']}/events")
    assert client.subscribe(topics["ALL"])
    publisher.publish([(topics["CREATE"], b'{"id": "e1"}'), (topics["DELETE"], b'{"id": "e1"}')])
    assert client.next_message() == (topics["CREATE"], b'{"id": "e1"}')
    assert client.next_message() == (topics["DELETE"], b'{"id": "e1"}')


def test_ven_cannot_read_another_vens_topics(mosquitto, publisher, mqtt_parties, clients):
    bl, ven_a, ven_b = mqtt_parties("bl"), mqtt_parties("ven"), mqtt_parties("ven")
    ven_obj_a = bl.create("/vens", b.ven_by_bl(ven_a.client_id))
    ven_obj_b = bl.create("/vens", b.ven_by_bl(ven_b.client_id))
    a, b_client = _connected(clients, ven_a), _connected(clients, ven_b)
    topics_a = _topics(ven_a, f"/vens/{ven_obj_a['id']}/events")
    topics_b = _topics(ven_b, f"/vens/{ven_obj_b['id']}/events")
    assert a.subscribe(topics_a["ALL"]) and b_client.subscribe(topics_b["ALL"])
    # Mosquitto's acl_file never refuses a SUBSCRIBE (its SUBACK grants it); it checks the read ACL on every
    # message it would deliver instead, so A's subscriptions to B's tree, or to everything, deliver nothing.
    for topic in (topics_b["ALL"], topics_b["CREATE"], "#", f"openadr3/{ven_b.client_id}/#", "openadr3/+/vens/#"):
        a.subscribe(topic)
    publisher.publish([(topics_b["CREATE"], b'{"secret": 1}'), (topics_a["UPDATE"], b'{"mine": 1}')])
    assert b_client.next_message() == (topics_b["CREATE"], b'{"secret": 1}')
    assert set(a.received(1.0)) == {(topics_a["UPDATE"], b'{"mine": 1}')}  # once per matching subscription


def test_ven_cannot_publish(mosquitto, publisher, mqtt_parties, clients):
    bl, ven = mqtt_parties("bl"), mqtt_parties("ven")
    ven_obj = bl.create("/vens", b.ven_by_bl(ven.client_id))
    client, observer = _connected(clients, ven), _connected(clients, bl)
    topics = _topics(ven, f"/vens/{ven_obj['id']}/events")
    bl_topics = _topics(bl, "/events")
    assert client.subscribe(topics["ALL"]) and observer.subscribe(bl_topics["ALL"])
    for topic in (topics["CREATE"], bl_topics["CREATE"], "elsewhere/topic"):
        (code,) = client.publish(topic, b"forged")
        assert code.is_failure and code.getName() == "Not authorized", (topic, code)
    assert client.received(0.5) == [] and observer.received(0.5) == []
    publisher.publish([(bl_topics["UPDATE"], b"real")])  # the observer does receive what the VTN publishes
    assert observer.next_message() == (bl_topics["UPDATE"], b"real")


def test_a_client_without_a_valid_certificate_cannot_connect(mosquitto, mqtt_parties, clients, tmp_path):
    auth = _notifiers(mqtt_parties("ven"))["MQTT"]["authentication"]
    assert not clients({"caCert": auth["caCert"]}).connect(3)
    assert not clients(None, tls=False).connect(3)
    # A certificate for vtn-publisher from another CA (here: another VTN's) is refused too.
    other_ca = broker._new_ca()
    forged = _forged_certificate(other_ca, broker.PUBLISHER)
    assert not clients({"caCert": auth["caCert"], "clientCert": forged[0], "clientKey": forged[1]}).connect(3)


def _forged_certificate(ca: tuple[str, str], common_name: str) -> tuple[str, str]:
    class OtherCA:
        def execute(self, *args):
            return self

        def fetchone(self):
            return {"cert_pem": ca[0], "key_pem": ca[1]}

    return broker.issue_certificate(OtherCA(), common_name)


def test_bl_receives_on_all_objects_topics(mosquitto, publisher, mqtt_parties, clients):
    bl = mqtt_parties("bl")
    client = _connected(clients, bl)
    events, programs = _topics(bl, "/events"), _topics(bl, "/programs")
    assert client.subscribe(events["ALL"]) and client.subscribe(programs["CREATE"])
    payload = json.dumps({"objectType": "EVENT", "operation": "CREATE"}).encode()
    publisher.publish([(events["UPDATE"], payload), (programs["CREATE"], b"{}"), (programs["DELETE"], b"{}")])
    assert sorted(client.received(1.0)) == sorted([(events["UPDATE"], payload), (programs["CREATE"], b"{}")])


def test_publisher_raises_when_the_broker_refuses(mosquitto, publisher):
    publisher.publish([("openadr3/someone/events/create", b"{}")])
    with pytest.raises(PublishError, match="Not authorized"):
        publisher.publish([("outside/the/prefix", b"{}")])
    publisher.publish([("openadr3/someone/events/update", b"{}")])  # and it works again afterwards


def test_publisher_needs_tls_for_certificates(mqtt_config, mqtt_app):
    with pytest.raises(ValueError, match="mqtts://"):
        Publisher(mqtt_config.with_overrides(mqtt_uri="mqtt://127.0.0.1:1883"), mqtt_app.extensions["vtn"].db)


def test_publisher_survives_a_broker_restart(mosquitto, publisher, mqtt_parties, clients):
    bl = mqtt_parties("bl")
    topics = _topics(bl, "/events")
    publisher.publish([(topics["CREATE"], b"before")])
    mosquitto.stop()
    with pytest.raises(PublishError):
        publisher.publish([(topics["CREATE"], b"while down")], timeout=1.0)
    mosquitto.start()
    client = _connected(clients, bl)
    assert client.subscribe(topics["ALL"])
    publisher.publish([(topics["UPDATE"], b"after")], timeout=15.0)
    assert client.next_message() == (topics["UPDATE"], b"after")


def test_publisher_waits_for_a_broker_that_comes_back(mosquitto, publisher):
    publisher.publish([("openadr3/x/events/create", b"1")])
    mosquitto.stop()
    time.sleep(0.5)
    mosquitto.start()
    publisher.publish([("openadr3/x/events/create", b"2")], timeout=15.0)
