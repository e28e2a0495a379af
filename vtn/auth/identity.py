"""Who is calling: the bearer token of the request, checked for the scope an endpoint requires."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, request

from ..errors import Forbidden, Unauthorized
from .tokens import Caller

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="openadr3"'}


def current_caller() -> Caller:
    """The caller of this request, from its Authorization header, admitted (cached for the request)."""
    caller = verified_caller()
    admit(caller)
    return caller


def verified_caller() -> Caller:
    """The caller named by a validly signed token, not yet admitted (see admit())."""
    caller = g.get("caller")
    if caller is None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("This endpoint needs an access token (Authorization: Bearer).", headers=_CHALLENGE)
        caller = g.caller = current_app.extensions["vtn"].tokens.verify(token.strip())
    return caller


def admit(caller: Caller, credentials_version: int | None = None, conn=None) -> None:
    """Refuse (401) a caller whose client was disabled or removed, or whose key was retired; once per request.

    A view that reads the credentials version in a statement it makes anyway passes it (no extra round trip);
    otherwise it is read here. ``conn`` is the request's connection, if it holds one.
    """
    if not g.get("admitted"):
        current_app.extensions["vtn"].tokens.admit(caller, credentials_version, conn)
        g.admitted = True


def requires(scope: str, *, admitted_in_view: bool = False):
    """Decorate a view: the caller must hold ``scope`` (YAML security), and is passed as ``caller``.

    With ``admitted_in_view`` (safe methods only) the view calls admit() with the credentials version it read;
    should it not (or fail first), the caller is admitted here before anything is returned.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            caller = verified_caller()
            if not admitted_in_view:
                admit(caller)
            try:
                if scope not in caller.scopes:
                    raise Forbidden(f"This operation needs the {scope} scope.")
                return view(*args, caller=caller, **kwargs)
            finally:
                admit(caller)  # if the view did not: a refused caller learns nothing else, not even a 403 or 404

        wrapper.required_scope = scope
        return wrapper

    return decorate
