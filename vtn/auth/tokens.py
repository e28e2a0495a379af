"""JWT access tokens: issued and signed by the VTN (EdDSA), or issued by an external identity provider."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import jwt
from jwt.algorithms import OKPAlgorithm

from ..config import Config
from ..errors import Unauthorized
from ..store import clients as client_store
from .scopes import ALL_SCOPES, ROLE_SCOPES

_INVALID = {"WWW-Authenticate": 'Bearer realm="openadr3", error="invalid_token"'}
_VERIFIED_TOKENS = 4096  # per worker: more than the live tokens of a 1,000-VEN fleet polling every few seconds


@dataclass(frozen=True)
class Caller:
    """Who is calling: the client id from the token, its role (if known) and its scopes."""

    client_id: str
    role: str | None
    scopes: frozenset

    @property
    def sees_all(self) -> bool:
        """BL (and the auditor) read every object; VENs are bound by object privacy."""
        return "read_all" in self.scopes


class VerifiedTokens:
    """Tokens whose signature and claims this worker has checked: token string -> (caller, exp), bounded.

    Only what a token proves by itself is kept (its signature and claims), and only until its ``exp``: an
    Ed25519 verification costs more than the rest of a kept poll. Anything that can change while a token is
    unexpired (a client disabled, a signing key retired) must not be folded in here: it is checked on every
    request after get(), in LocalTokens.verify, so that a revocation takes effect at once.
    """

    def __init__(self, size: int = _VERIFIED_TOKENS, clock=time.time):
        self.size = size
        self._clock = clock
        self._tokens: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Caller | None:
        """The caller of a token verified before, while ``time.time() < exp`` (PyJWT's own test); else None."""
        found = self._tokens.get(token)
        if found is None:
            return None
        if self._clock() < found[1]:
            return found[0]
        with self._lock:
            self._tokens.pop(token, None)
        return None

    def put(self, token: str, caller: Caller, exp: int) -> None:
        """Keep a verified token, dropping the expired, then the oldest, beyond the bound."""
        with self._lock:
            self._tokens[token] = (caller, exp)
            if len(self._tokens) > self.size:
                now = self._clock()
                for stale in [t for t, (_, e) in self._tokens.items() if e <= now]:
                    del self._tokens[stale]
                while len(self._tokens) > self.size:
                    self._tokens.popitem(last=False)

    def clear(self) -> None:
        """Forget every kept token (e.g. when the signing keys change)."""
        with self._lock:
            self._tokens.clear()


class LocalTokens:
    """Tokens the VTN issues itself at /auth/token, verified with the keys in the database."""

    def __init__(self, db, config: Config):
        self.db = db
        self.config = config
        self._lock = threading.Lock()
        self._signing = None
        self._public: dict = {}
        self._loaded_at = 0.0
        self._verified = VerifiedTokens()

    def issue(self, client_id: str, role: str, scopes: tuple[str, ...]) -> tuple[str, int]:
        """A signed access token for this client and its expiry in seconds."""
        if self._signing is None:
            with self.db.transaction() as conn:
                self._signing = client_store.signing_key(conn)
        now = int(time.time())
        ttl = self.config.token_ttl_seconds
        claims = {
            "iss": self.config.token_issuer,
            "aud": self.config.token_audience,
            "sub": client_id,
            "client_id": client_id,
            "role": role,
            "scope": " ".join(scopes),
            "iat": now,
            "exp": now + ttl,
        }
        key = self._signing
        token = jwt.encode(claims, key["private_pem"], algorithm="EdDSA", headers={"kid": key["kid"]})
        return token, ttl

    def jwks(self) -> dict:
        """The public keys as a JWK Set."""
        with self.db.transaction() as conn:
            client_store.signing_key(conn)
            return {"keys": client_store.public_keys(conn)}

    def _key(self, kid: str):
        with self._lock:
            if kid not in self._public and time.monotonic() - self._loaded_at > 1.0:
                with self.db.transaction() as conn:
                    jwks = client_store.public_keys(conn)
                self._public = {k["kid"]: OKPAlgorithm.from_jwk(json.dumps(k)) for k in jwks}
                self._loaded_at = time.monotonic()
            return self._public.get(kid)

    def verify(self, token: str) -> Caller:
        """The caller a valid token names; Unauthorized for anything else."""
        caller = self._verified.get(token)
        if caller is None:
            caller, exp = self._verify_signature_and_claims(token)
            self._verified.put(token, caller, exp)
        # Revocation (a disabled client, a retired key) belongs here, checked on every request, cached or not.
        return caller

    def _verify_signature_and_claims(self, token: str) -> tuple[Caller, int]:
        """The caller and expiry of a token whose signature, issuer, audience and times are valid."""
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
            key = self._key(kid)
            if key is None:
                raise Unauthorized("The access token was not signed by this VTN.", headers=_INVALID)
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=self.config.token_audience,
                issuer=self.config.token_issuer,
                options={"require": ["exp", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired.", headers=_INVALID) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The access token is invalid: {exc}.", headers=_INVALID) from exc
        scopes = frozenset(str(claims.get("scope", "")).split()) & set(ALL_SCOPES)
        return Caller(client_id=str(claims["sub"]), role=claims.get("role"), scopes=scopes), int(claims["exp"])


class ExternalTokens:
    """Tokens of an external identity provider, checked against its JWKS (issuer and audience as configured)."""

    def __init__(self, config: Config):
        self.config = config
        self._jwks = jwt.PyJWKClient(config.oauth_jwks_url, cache_keys=True, lifespan=300)

    def verify(self, token: str) -> Caller:
        """The caller named by a valid provider token; Unauthorized for anything else."""
        cfg = self.config
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA", "PS256"],
                audience=cfg.oauth_audience,
                issuer=cfg.oauth_issuer,
                options={"require": ["exp"], "verify_aud": cfg.oauth_audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The access token has expired.", headers=_INVALID) from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The access token is invalid: {exc}.", headers=_INVALID) from exc
        client_id = claims.get(cfg.oauth_client_id_claim) or claims.get("azp") or claims.get("sub")
        if not client_id:
            raise Unauthorized("The access token names no client.", headers=_INVALID)
        role, scopes = _role_and_scopes(claims, cfg)
        return Caller(client_id=str(client_id), role=role, scopes=scopes)


def _claim_values(value) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def _role_and_scopes(claims: dict, cfg: Config) -> tuple[str | None, frozenset]:
    """Scopes from the configured roles claim (bl/ven/auditor) or else from the scopes claim."""
    if cfg.oauth_roles_claim:
        roles = [r.lower() for r in _claim_values(claims.get(cfg.oauth_roles_claim))]
        for role in ("bl", "auditor", "ven"):
            if role in roles:
                return role, frozenset(ROLE_SCOPES[role])
    scopes = frozenset(_claim_values(claims.get(cfg.oauth_scopes_claim))) & set(ALL_SCOPES)
    return None, scopes
