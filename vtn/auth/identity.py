"""Who is calling: the bearer token of the request, checked for the scope an endpoint requires."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from ..errors import Forbidden, Unauthorized
from .tokens import Caller

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="openadr3"'}


def current_caller() -> Caller:
    """The caller of this request, from its Authorization header (cached for the request)."""
    caller = g.get("caller")
    if caller is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("This endpoint needs an access token (Authorization: Bearer).", headers=_CHALLENGE)
        caller = g.caller = current_app.extensions["vtn"].tokens.verify(token.strip())
    return caller


def requires(scope: str):
    """Decorate a view: the caller must hold ``scope`` (YAML security), and is passed as ``caller``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            caller = current_caller()
            if scope not in caller.scopes:
                raise Forbidden(f"This operation needs the {scope} scope.")
            return view(*args, caller=caller, **kwargs)

        wrapper.required_scope = scope
        return wrapper

    return decorate
