"""Domain errors, and their translation into the spec's problem responses (Definition.md "Problem")."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("vtn")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class VTNError(Exception):
    """An error a client can act on; ``status`` and ``title`` become the problem object."""

    status = 400
    title = "Bad Request"

    def __init__(self, detail: str, *, errors: dict | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadRequest(VTNError):
    """The request is malformed or invalid (400)."""


class Unauthorized(VTNError):
    """No valid access token (401)."""

    status, title = 401, "Unauthorized"


class Forbidden(VTNError):
    """The caller's token lacks the scope or role for this operation (403)."""

    status, title = 403, "Forbidden"


class NotFound(VTNError):
    """No such object, or not one the caller may see (404)."""

    status, title = 404, "Not Found"


class Conflict(VTNError):
    """The write would break a uniqueness or reference rule (409)."""

    status, title = 409, "Conflict"


class UnsupportedMediaType(VTNError):
    """The request body is not JSON (415)."""

    status, title = 415, "Unsupported Media Type"


class NotImplementedHere(VTNError):
    """The endpoint is not served by this configuration (501)."""

    status, title = 501, "Not Implemented"


class Unavailable(VTNError):
    """The database cannot be reached right now (503)."""

    status, title = 503, "Service Unavailable"


def request_id() -> str:
    """The id of the current request: the caller's X-Request-ID when sane, else a new UUID."""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else str(uuid.uuid4())
    return g.request_id


def problem(status: int, title: str, detail: str, errors: dict | None = None, headers: dict | None = None):
    """A problem response (type, title, status, detail, instance) carrying the request id."""
    rid = request_id()
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": f"urn:request:{rid}",
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register(app: Flask) -> None:
    """Install the handlers that turn every error into a problem response."""

    @app.errorhandler(VTNError)
    def _domain(exc: VTNError):
        log.info("request %s: %s %s", request_id(), exc.status, exc.detail)
        return problem(exc.status, exc.title, exc.detail, exc.errors, exc.headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        detail = exc.description or exc.name
        headers = dict(exc.get_headers())
        headers.pop("Content-Type", None)
        return problem(exc.code or 500, exc.name, detail, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("request %s failed", request_id())
        return problem(500, "Internal Server Error", f"Unexpected error; quote request id {request_id()}.")

    @app.after_request
    def _tag(response):
        response.headers["X-Request-ID"] = request_id()
        return response
