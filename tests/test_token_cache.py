"""Verified tokens kept per worker (auth/tokens.py VerifiedTokens): only until exp, bounded, never a forgery."""

from __future__ import annotations

import jwt
import pytest

from vtn.auth.tokens import Caller, VerifiedTokens
from vtn.errors import Unauthorized
from vtn.store import clients as client_store

VEN = Caller(client_id="ven-1", role="ven", scopes=frozenset({"read_targets"}))


class Clock:
    """A settable stand-in for time.time()."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock():
    """A clock at a fixed instant."""
    return Clock(1_000_000.0)


def test_kept_token_is_served_until_exactly_its_exp(clock):
    kept = VerifiedTokens(size=4, clock=clock.time)
    kept.put("t", VEN, exp=1_000_010)
    clock.now = 1_000_009.999
    assert kept.get("t") is VEN
    clock.now = 1_000_010  # PyJWT's own rule: expired once exp <= now
    assert kept.get("t") is None
    clock.now = 1_000_000
    assert kept.get("t") is None  # dropped when found expired


def test_kept_tokens_stay_within_their_bound_dropping_expired_first(clock):
    kept = VerifiedTokens(size=3, clock=clock.time)
    kept.put("old-expired", VEN, exp=1_000_001)
    kept.put("a", VEN, exp=1_000_100)
    kept.put("b", VEN, exp=1_000_100)
    clock.now = 1_000_050
    kept.put("c", VEN, exp=1_000_100)
    assert [kept.get(t) for t in ("old-expired", "a", "b", "c")] == [None, VEN, VEN, VEN]
    kept.put("d", VEN, exp=1_000_100)  # nothing expired: the oldest goes
    assert kept.get("a") is None
    assert all(kept.get(t) is VEN for t in ("b", "c", "d"))


def _token(app, role: str = "ven") -> tuple[str, str]:
    with app.extensions["vtn"].db.transaction() as conn:
        client_id, _ = client_store.add_client(conn, "cached", role)
    token, _ = app.extensions["vtn"].tokens.issue(client_id, role, ("read_targets",))
    return client_id, token


def test_second_verification_of_a_token_skips_the_signature_check(app, monkeypatch):
    service = app.extensions["vtn"].tokens
    client_id, token = _token(app)
    first = service.verify(token)
    assert first.client_id == client_id and first.scopes == frozenset({"read_targets"})

    def refuse(*args, **kwargs):
        raise AssertionError("verified again")

    monkeypatch.setattr(jwt, "decode", refuse)
    assert service.verify(token) is first


def test_expired_kept_token_is_checked_again_and_refused(app, monkeypatch, clock):
    service = app.extensions["vtn"].tokens
    service._verified = VerifiedTokens(clock=clock.time)
    _, token = _token(app)
    clock.now = jwt.decode(token, options={"verify_signature": False})["exp"] - 1
    service.verify(token)
    clock.now += 1

    def expired(*args, **kwargs):
        raise jwt.ExpiredSignatureError("Signature has expired")

    monkeypatch.setattr(jwt, "decode", expired)
    with pytest.raises(Unauthorized, match="expired"):
        service.verify(token)


def test_altered_copy_of_a_kept_token_is_refused(app):
    service = app.extensions["vtn"].tokens
    _, token = _token(app)
    service.verify(token)
    head, claims, signature = token.split(".")
    with pytest.raises(Unauthorized):
        service.verify(f"{head}.{claims}.{signature[:-4]}AAAA")
    with pytest.raises(Unauthorized):
        service.verify(f"{head}.{claims}x.{signature}")
