"""/notifiers: the notifier bindings (WEBHOOK, and MQTT when configured) and the MQTT topic names.

Topic names are the caller's own (under ``{prefix}/{clientID}/``, vtn/notify/topics.py): the broker lets
each client read only that tree. Asking for MQTT details or topics registers the caller for MQTT fan-out.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify

from ..auth.identity import current_caller, requires
from ..auth.scopes import READ_ALL, READ_VEN_OBJECTS
from ..errors import NotFound
from ..notify import broker, topics
from ..store import notifiers as store
from .common import db, object_id, vtn

bp = Blueprint("notifiers", __name__)
log = logging.getLogger("vtn.notifiers")


@bp.get("/notifiers")
def list_all_notifiers():
    """The notifier bindings; with MQTT, the broker URIs and this caller's credentials. Any valid token."""
    caller = current_caller()
    config = vtn().config
    answer = {"WEBHOOK": True}
    if not config.mqtt_uri:
        return jsonify(answer)
    if not broker.usable_client_id(caller.client_id):
        log.warning("no MQTT for clientID %r: not usable as a certificate CN and topic level", caller.client_id)
        return jsonify(answer)
    with db().transaction() as conn:
        store.register_mqtt_client(conn, caller.client_id, caller.sees_all)
        if broker.auth_mode(config) == "certificate":
            cert_pem, key_pem = broker.issue_certificate(conn, caller.client_id)
            authentication = {
                "method": "CERTIFICATE",
                "caCert": broker.ca(conn)[0],
                "clientCert": cert_pem,
                "clientKey": key_pem,
            }
        else:
            authentication = {"method": "ANONYMOUS"}
    answer["MQTT"] = {"URIS": broker.public_uris(config), "serialization": "JSON", "authentication": authentication}
    return jsonify(answer)


def _answer(caller, base_of, *args, with_create=True, program_id=None, ven_id=None):
    """The topics of ``base_of(prefix, clientID, *args)``, once MQTT is on and the program or ven visible."""
    config = vtn().config
    if not config.mqtt_uri:
        raise NotFound("MQTT notifier not configured.")
    if not broker.usable_client_id(caller.client_id):
        raise NotFound("MQTT notifications are not available for this clientID.")
    if program_id is not None:
        object_id(program_id, "programID")
    if ven_id is not None:
        object_id(ven_id, "venID")
    with db().transaction() as conn:
        if program_id is not None and not store.program_exists(conn, program_id):
            raise NotFound(f"No program {program_id}.")
        if ven_id is not None and not store.ven_visible(conn, caller, ven_id):
            raise NotFound(f"No ven {ven_id}.")
        store.register_mqtt_client(conn, caller.client_id, caller.sees_all)
    base = base_of(config.mqtt_topic_prefix, caller.client_id, *args)
    return jsonify({"topics": topics.topic_set(base, with_create)})


@bp.get("/notifiers/mqtt/topics/programs")
@requires(READ_ALL)
def list_all_mqtt_notifier_topics_programs(caller):
    """Topics of operations on all programs."""
    return _answer(caller, topics.all_objects, "PROGRAM")


@bp.get("/notifiers/mqtt/topics/programs/<program_id>")
@requires(READ_ALL)
def list_all_mqtt_notifier_topics_program(program_id, caller):
    """Topics of operations on one program (no CREATE)."""
    return _answer(caller, topics.one_object, "PROGRAM", program_id, with_create=False, program_id=program_id)


@bp.get("/notifiers/mqtt/topics/events")
@requires(READ_ALL)  # the YAML's undefined read_bl: BL only
def list_all_mqtt_notifier_topics_events(caller):
    """Topics of operations on all events."""
    return _answer(caller, topics.all_objects, "EVENT")


@bp.get("/notifiers/mqtt/topics/programs/<program_id>/events")
@requires(READ_ALL)
def list_all_mqtt_notifier_topics_program_events(program_id, caller):
    """Topics of operations on the events of one program."""
    return _answer(caller, topics.of_program, "EVENT", program_id, program_id=program_id)


# Not in the YAML, but in the non-normative binding document (section 8.2); fan-out publishes there for BL.
@bp.get("/notifiers/mqtt/topics/programs/<program_id>/reports")
@requires(READ_ALL)
def list_all_mqtt_notifier_topics_program_reports(program_id, caller):
    """Topics of operations on the reports of one program."""
    return _answer(caller, topics.of_program, "REPORT", program_id, program_id=program_id)


@bp.get("/notifiers/mqtt/topics/programs/<program_id>/subscriptions")
@requires(READ_ALL)
def list_all_mqtt_notifier_topics_program_subscriptions(program_id, caller):
    """Topics of operations on the subscriptions of one program."""
    return _answer(caller, topics.of_program, "SUBSCRIPTION", program_id, program_id=program_id)


@bp.get("/notifiers/mqtt/topics/reports")
@requires(READ_ALL)  # read_bl
def list_all_mqtt_notifier_topics_reports(caller):
    """Topics of operations on all reports."""
    return _answer(caller, topics.all_objects, "REPORT")


@bp.get("/notifiers/mqtt/topics/subscriptions")
@requires(READ_ALL)  # read_bl
def list_all_mqtt_notifier_topics_subscriptions(caller):
    """Topics of operations on all subscriptions."""
    return _answer(caller, topics.all_objects, "SUBSCRIPTION")


@bp.get("/notifiers/mqtt/topics/vens")
@requires(READ_ALL)  # read_bl
def list_all_mqtt_notifier_topics_vens(caller):
    """Topics of operations on all vens."""
    return _answer(caller, topics.all_objects, "VEN")


@bp.get("/notifiers/mqtt/topics/resources")
@requires(READ_ALL)  # read_bl
def list_all_mqtt_notifier_topics_resources(caller):
    """Topics of operations on all resources."""
    return _answer(caller, topics.all_objects, "RESOURCE")


@bp.get("/notifiers/mqtt/topics/vens/<ven_id>")
@requires(READ_VEN_OBJECTS)
def list_all_mqtt_notifier_topics_ven(ven_id, caller):
    """Topics of operations on one ven (no CREATE); a VEN may ask only for its own."""
    return _answer(caller, topics.of_ven, ven_id, with_create=False, ven_id=ven_id)


@bp.get("/notifiers/mqtt/topics/vens/<ven_id>/events")
@requires(READ_VEN_OBJECTS)
def list_all_mqtt_notifier_topics_ven_events(ven_id, caller):
    """Topics of operations on the events a ven may read (VENs; BL uses the all-events topics)."""
    _vens_only(caller)
    return _answer(caller, topics.of_ven, ven_id, "EVENT", ven_id=ven_id)


@bp.get("/notifiers/mqtt/topics/vens/<ven_id>/programs")
@requires(READ_VEN_OBJECTS)
def list_all_mqtt_notifier_topics_ven_programs(ven_id, caller):
    """Topics of operations on the programs a ven may read (VENs; BL uses the all-programs topics)."""
    _vens_only(caller)
    return _answer(caller, topics.of_ven, ven_id, "PROGRAM", ven_id=ven_id)


@bp.get("/notifiers/mqtt/topics/vens/<ven_id>/resources")
@requires(READ_VEN_OBJECTS)
def list_all_mqtt_notifier_topics_ven_resources(ven_id, caller):
    """Topics of operations on a ven's resources."""
    return _answer(caller, topics.of_ven, ven_id, "RESOURCE", ven_id=ven_id)


def _vens_only(caller) -> None:
    # Per-ven event and program topics are published for VEN readers only; BL reads everything on the
    # all-objects topics, and publishing every event again per ven for BL would multiply the traffic.
    if caller.sees_all:
        raise NotFound("BL reads events and programs on the all-objects topics (/notifiers/mqtt/topics/events).")
