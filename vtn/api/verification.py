"""Load-shed verification and settlement (extensions under /vtn/v1; docs/verification.md)."""

from __future__ import annotations

import base64
import logging
from datetime import datetime

import orjson
from flask import Blueprint, Response, current_app, jsonify
from marshmallow import Schema, fields, validate

from ..auth.identity import requires
from ..auth.scopes import READ_ALL, WRITE_PROGRAMS
from ..errors import BadRequest
from ..store import verification_settings as settings_store
from ..verify import figures, results, settlement, signing
from ..wire.fields import format_datetime
from ..wire.verification import VerificationSettings
from .common import body, db, object_id, query, transaction

bp = Blueprint("verification", __name__)
log = logging.getLogger(__name__)
PREFIX = "/vtn/v1"


class VerificationQuery(Schema):
    """GET .../verification: detail slots (all, the default), resources (no per-resource slots) or vens (no
    resources)."""

    detail = fields.String(load_default="slots", validate=validate.OneOf(figures.DETAILS))


class SettlementQuery(Schema):
    """GET .../settlement: since, until (RFC 3339), format csv|json, perResource."""

    since = fields.AwareDateTime(required=True)
    until = fields.AwareDateTime(required=True)
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "json"]))
    perResource = fields.Boolean(load_default=False)


@bp.get(f"{PREFIX}/programs/<program_id>/verification")
@requires(READ_ALL)
def get_verification_settings(program_id, caller):
    """How the program's events are verified (baseline method and parameters)."""
    with db().transaction() as conn:
        return jsonify(settings_store.get_settings(conn, object_id(program_id, "programID")))


@bp.put(f"{PREFIX}/programs/<program_id>/verification")
@requires(WRITE_PROGRAMS)
def put_verification_settings(program_id, caller):
    """Set how the program's events are verified (BL)."""
    settings = body(VerificationSettings())
    _check_timezone(settings["timezone"])
    with transaction() as conn:
        return jsonify(settings_store.put_settings(conn, object_id(program_id, "programID"), settings))


@bp.get(f"{PREFIX}/events/<event_id>/verification")
@requires(READ_ALL)
def get_event_verification(event_id, caller):
    """Baseline, measured, shed, export and compliance of one event, per VEN and resource."""
    detail = query(VerificationQuery())["detail"]
    database, pending = db(), []
    with database.transaction() as conn:
        result = results.answer(conn, object_id(event_id, "eventID"), detail, database.transaction, pending.append)
    data = _json(result)
    if not pending:
        return current_app.response_class(data, mimetype="application/json")
    return _then(data, lambda: _store(database, pending[0], result["eventID"]))


def _then(data: bytes, work) -> Response:
    """A response of ``data`` that does ``work()`` once the server has sent it: with its length given, the client
    has the whole answer by then (Flask's test client does it when the test reads the body)."""

    def body():
        yield data
        work()

    response = current_app.response_class(body(), mimetype="application/json")
    response.headers["Content-Length"] = str(len(data))
    return response


def _store(database, store, event_id: str) -> None:
    """Store a verification just answered; if that fails the next request verifies the event again."""
    try:
        with database.transaction() as conn:
            store(conn)
    except Exception:  # the answer is out: nothing to tell the client
        log.exception("storing the verification of event %s failed", event_id)


@bp.get(f"{PREFIX}/programs/<program_id>/settlement")
@requires(READ_ALL)
def get_settlement(program_id, caller):
    """A signed settlement file: one row per event x VEN (x resource) of the program in [since, until)."""
    args = query(SettlementQuery())
    program_id = object_id(program_id, "programID")
    with db().transaction() as conn:
        settings_store.get_settings(conn, program_id)
        event_ids = results.settled(conn, program_id, args["since"], args["until"], helper=db().transaction)
        if args["format"] == "csv":
            chunks = settlement.render_lines(results.settlement_lines(conn, event_ids, args["perResource"])[1])
        else:
            meta = {
                "programID": program_id,
                "since": format_datetime(args["since"]),
                "until": format_datetime(args["until"]),
                "perResource": args["perResource"],
            }
            chunks = settlement.render_json(results.settlement_rows(conn, event_ids, args["perResource"])[1], meta)
        data = "".join(chunks).encode("utf-8")
        kid, signature = signing.sign(conn, data)
    response = current_app.response_class(data, mimetype="text/csv" if args["format"] == "csv" else "application/json")
    response.headers["X-VTN-Signature"] = base64.b64encode(signature).decode("ascii")
    response.headers["X-VTN-Key-ID"] = kid
    response.headers["Content-Disposition"] = f'attachment; filename="settlement-{program_id}.{args["format"]}"'
    return response


@bp.get(f"{PREFIX}/keys/export")
def export_public_keys():
    """The Ed25519 public keys that verify settlement files (PEM), for checking them offline."""
    with db().transaction() as conn:
        keys = signing.public_keys(conn) or [_public(signing.export_key(conn))]
    return jsonify({"keys": [{"kid": k["kid"], "publicKeyPem": k["public_pem"]} for k in keys]})


def _public(key: dict) -> dict:
    return {"kid": key["kid"], "public_pem": key["public_pem"]}


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(f"Unknown timezone {name!r}.") from exc


def _json(result: dict) -> bytes:
    """A verification as JSON (orjson: a 10,000-resource answer is some 17 MB)."""
    formatted: dict = {}  # a verification repeats its slots' few date-times on every resource

    def default(value):
        if not isinstance(value, datetime):
            return str(value)
        if value not in formatted:
            formatted[value] = format_datetime(value)
        return formatted[value]

    return orjson.dumps(result, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME)
