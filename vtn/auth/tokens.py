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
from ..store.page_cache import read_versions
from .scopes import ALL_SCOPES, ROLE_SCOPES

_INVALID = {"WWW-Authenticate": 'Bearer realm="openadr3", error="invalid_token"'}
_VERIFIED_TOKENS = 4096  # per worker: more than the live tokens of a 1,000-VEN fleet polling every few seconds


@dataclass(frozen=True)
class Caller:
    """Who is calling: the client id from the token, its role (if known) and its scopes."""

    client_id: str
    role: str | None
    scopes: frozenset
    kid: str | None = None  # the key that signed a token of this VTN (None for an external provider's)

    @property
    def sees_all(self) -> bool:
        """BL (and the auditor) read every object; VENs are bound by object privacy."""
        return "read_all" in self.scopes


class VerifiedTokens:
    """Tokens whose signature and claims this worker has checked: token string -> (caller, exp), bounded.

    Only what a token proves by itself is kept (its signature and claims), and only until its ``exp``: an
    Ed25519 verification costs more than the rest of a kept poll. Anything that can change while a token is
    unexpired (a client disabled, a signing key retired) must not be folded in here: it is checked on every
    request, cached token or not, by LocalTokens.admit, so that a revocation takes effect at once.
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


@dataclass(frozen=True)
class Credentials:
    """What a worker loaded at one credentials version: revoked clients, accepted keys, the signing key."""

    version: int
    revoked: frozenset
    keys: dict  # kid -> (OKPAlgorithm key, accept_until epoch seconds or None)
    signing: dict | None  # the current key's kid and private_pem


_NOTHING = Credentials(version=-1, revoked=frozenset(), keys={}, signing=None)


class LocalTokens:
    """Tokens the VTN issues itself at /auth/token, verified with the keys in the database.

    A token's signature and claims are checked once per worker and kept (VerifiedTokens); whether it is still
    honoured (its client neither disabled nor removed, its key not retired) is checked on every request against
    the Credentials this worker loaded at the current credentials version (013_credentials.sql), which every
    request reads: so a revocation takes effect on the next request, in every worker.
    """

    def __init__(self, db, config: Config):
        self.db = db
        self.config = config
        self._lock = threading.Lock()
        self._credentials = _NOTHING
        self._verified = VerifiedTokens()

    def issue(self, client_id: str, role: str, scopes: tuple[str, ...]) -> tuple[str, int]:
        """A signed access token for this client and its expiry in seconds."""
        key = self._fresh(self._current_version()).signing
        if key is None:  # no key yet: the first token or JWKS request makes them
            with self.db.transaction() as conn:
                client_store.signing_key(conn)
            key = self._fresh(self._current_version()).signing
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
        token = jwt.encode(claims, key["private_pem"], algorithm="EdDSA", headers={"kid": key["kid"]})
        return token, ttl

    def jwks(self) -> dict:
        """The public keys as a JWK Set: the current key, the next one and previous ones still in their grace."""
        with self.db.transaction() as conn:
            client_store.signing_key(conn)
            return {"keys": client_store.public_keys(conn, self.config.token_ttl_seconds)}

    def verify(self, token: str) -> Caller:
        """The caller a token with a valid signature and claims names; Unauthorized for anything else.

        Not yet whether it is still honoured: admit() says that, with the credentials version of the request.
        """
        caller = self._verified.get(token)
        if caller is None:
            caller, exp = self._verify_signature_and_claims(token)
            self._verified.put(token, caller, exp)
        return caller

    def admit(self, caller: Caller, version: int | None = None, conn=None) -> None:
        """Unauthorized when the caller's client is disabled or removed, or its token's key no longer accepted.

        ``version`` is the credentials version read by the request (read here, one round trip, when None);
        ``conn``, the request's connection if it holds one (used should the credentials need reloading).
        """
        credentials = self._fresh(self._current_version() if version is None else version, conn)
        if caller.client_id in credentials.revoked:
            raise Unauthorized("The client of this access token is disabled or removed.", headers=_INVALID)
        if not _accepted(credentials.keys.get(caller.kid)):
            raise Unauthorized("The key that signed this access token is retired.", headers=_INVALID)

    def _current_version(self) -> int:
        with self.db.statements() as conn:
            return read_versions(conn)[1]

    def _fresh(self, version: int, conn=None) -> Credentials:
        """The Credentials loaded at ``version`` (or later), reloaded when the version moved."""
        credentials = self._credentials
        if credentials.version == version:
            return credentials
        with self._lock:
            if self._credentials.version != version:  # != rather than <: a database restored from a backup
                if conn is None:
                    with self.db.transaction() as own:
                        self._credentials = self._load(own)
                else:
                    self._credentials = self._load(conn)
            return self._credentials

    def _load(self, conn) -> Credentials:
        # The version first: each later statement sees at least what it counts (READ COMMITTED, or autocommit).
        version = client_store.credentials_version(conn)
        revoked = client_store.revoked_clients(conn)
        rows = client_store.accepted_keys(conn, self.config.token_ttl_seconds)
        signing = conn.execute("SELECT kid, private_pem FROM signing_key WHERE state = 'current'").fetchone()
        keys = {r["kid"]: (OKPAlgorithm.from_jwk(json.dumps(r["public_jwk"])), r["accept_until"]) for r in rows}
        return Credentials(version=version, revoked=revoked, keys=keys, signing=signing)

    def _key(self, kid: str):
        """The public key of an accepted kid; an unknown kid first reloads, if the credentials moved."""
        found = self._credentials.keys.get(kid)
        if found is None:
            found = self._fresh(self._current_version()).keys.get(kid)
        return found[0] if _accepted(found) else None

    def _verify_signature_and_claims(self, token: str) -> tuple[Caller, int]:
        """The caller and expiry of a token whose signature, issuer, audience and times are valid."""
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
            key = self._key(kid) if isinstance(kid, str) else None
            if key is None:
                raise Unauthorized("The access token was not signed by an accepted key of this VTN.", headers=_INVALID)
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
        caller = Caller(client_id=str(claims["sub"]), role=claims.get("role"), scopes=scopes, kid=kid)
        return caller, int(claims["exp"])


def _accepted(key) -> bool:
    """True for a loaded key (algorithm, accept_until) still accepted now."""
    return key is not None and (key[1] is None or time.time() < key[1])


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

    def admit(self, caller: Caller, version: int | None = None, conn=None) -> None:
        """Nothing to check here: the identity provider revokes its own clients (short token lifetimes)."""


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
