"""What every view needs: parse a JSON body or a query with a schema, validate path ids, respond."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager

from flask import Response, current_app, request
from marshmallow import Schema, ValidationError

from ..errors import BadRequest, UnsupportedMediaType
from ..wire.fields import OBJECT_ID
from . import json_body

_KEPT_QUERIES = 1024  # distinct query strings kept per worker by kept_query()


def vtn():
    """The VTN's shared services (database, tokens, config) for this app."""
    return current_app.extensions["vtn"]


def db():
    """The database of this app."""
    return vtn().db


@contextmanager
def transaction():
    """One database transaction for this request, with its caller named for the audit trail."""
    from flask import g

    from .. import audit
    from ..errors import request_id

    with db().transaction() as conn:
        caller = g.get("caller")
        if caller is not None and request.method != "GET":  # reads write no audit rows
            audit.set_actor(conn, caller.client_id, caller.role or _role_of(caller), request_id())
        yield conn


def _role_of(caller) -> str:
    return "bl" if caller.sees_all else "ven"


def body(schema: Schema) -> dict:
    """The request's JSON body, loaded with ``schema``; BadRequest with per-field errors otherwise."""
    mimetype = request.mimetype
    if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"Send the body as application/json, not {mimetype}.")
    data = json_body.loads(request.get_data(), vtn().config)
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise BadRequest(_summary(exc.messages), errors=_as_dict(exc.messages)) from exc


def query(schema: Schema) -> dict:
    """The query string, loaded with ``schema`` (list fields take repeated parameters)."""
    data = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key in request.args:
            data[key] = request.args.getlist(key) if _is_list(field) else request.args.get(key)
            if "\x00" in "".join(request.args.getlist(key)):  # PostgreSQL text cannot hold NUL
                raise BadRequest(f"The query parameter {key} has a NUL character (%00).")
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise BadRequest(_summary(exc.messages), errors=_as_dict(exc.messages)) from exc


class _KeptQueries:
    """Loaded query strings of one schema: pollers send the same few query strings again and again."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self._loaded: dict = {}
        self._lock = threading.Lock()

    def load(self) -> dict:
        """query(schema) for this request, loaded once per distinct query string (a fresh copy each time)."""
        raw = request.query_string
        found = self._loaded.get(raw)
        if found is None:
            found = query(self.schema)  # raises BadRequest, and keeps nothing, for an invalid query
            with self._lock:
                if len(self._loaded) >= _KEPT_QUERIES:
                    self._loaded.clear()
                self._loaded[raw] = found
        return {key: list(value) if isinstance(value, list) else value for key, value in found.items()}


def kept_query(schema: Schema):
    """A loader of ``schema`` from the query string that keeps what it loaded per distinct query string."""
    return _KeptQueries(schema).load


def object_id(value: str, what: str) -> str:
    """A path objectID, checked against the YAML's pattern and length."""
    if not (1 <= len(value) <= 128) or not OBJECT_ID.match(value):
        raise BadRequest(f"{what} must be 1-128 letters, digits, '_' or '-'.")
    return value


def respond(schema: Schema, data, status: int = 200) -> Response:
    """Dump one object or a list of objects with ``schema`` as a JSON response."""
    many = isinstance(data, list)
    payload = schema.dump(data, many=many)
    return current_app.response_class(
        json.dumps(payload, separators=(",", ":")), status=status, mimetype="application/json"
    )


def respond_json(text: str, status: int = 200) -> Response:
    """A response whose JSON text was built by the store (store/wire_json.py)."""
    return current_app.response_class(text, status=status, mimetype="application/json")


def _is_list(field) -> bool:
    from marshmallow import fields

    return isinstance(field, fields.List)


def _as_dict(messages) -> dict:
    return messages if isinstance(messages, dict) else {"_schema": messages}


def _summary(messages, path: str = "") -> str:
    """The first validation message with the path to the member it concerns."""
    if isinstance(messages, dict):
        key, value = next(iter(messages.items()))
        return _summary(value, f"{path}.{key}" if path else str(key))
    if isinstance(messages, list) and messages:
        return _summary(messages[0], path)
    where = "" if path in ("", "_schema") else f"{path}: "
    return f"Invalid request: {where}{messages}"
