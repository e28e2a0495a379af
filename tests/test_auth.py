"""OAuth2 client credentials (RFC 6749), the VTN's signed tokens, secrets, /auth/server and the external IdP mode."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote_plus

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import ECAlgorithm
from werkzeug.test import EnvironBuilder

import vtn
from vtn.auth.scopes import ROLE_SCOPES
from vtn.auth.secrets import hash_secret, verify_secret
from vtn.store import clients as client_store

from . import builders as b
from . import openapi

BASE = "/openadr3/3.1.0"
TOKEN_PATH = f"{BASE}/auth/token"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


# --- helpers -------------------------------------------------------------------------------------------------------


def call(http, method: str, path: str, token: str | None = None, checked: bool = True, **kwargs):
    """Send a request (path below the base path unless absolute) and check the answer against the YAML."""
    headers = dict(kwargs.pop("headers", {}) or {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    full = path if path.startswith("/.well-known") or path.startswith(BASE) else f"{BASE}{path}"
    args = {"path": full, "method": method, "headers": headers, **kwargs}
    response = http.open(**args)
    if checked:
        openapi.check(EnvironBuilder(**args).get_request(), response)
    return response


def post_token(http, data=None, json_body=None, headers=None):
    """POST /auth/token (form body unless json_body is given), checked against the YAML."""
    kwargs = {"headers": headers or {}}
    if json_body is not None:
        kwargs["json"] = json_body
    elif data is not None:
        kwargs["data"] = data
    return call(http, "POST", TOKEN_PATH, **kwargs)


def basic(client_id: str, secret: str) -> dict:
    """An HTTP Basic header per RFC 6749 section 2.3.1: form-urlencode each part, then base64."""
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}


def form(client_id: str, secret: str, **extra) -> dict:
    """A client-credentials form body."""
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **extra}


def assert_problem(response, status: int) -> dict:
    """The response is a problem object with this status; returns its body."""
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["instance"] == f"urn:request:{response.headers['X-Request-ID']}"
    return body


def assert_oauth_error(response, status: int, error: str) -> dict:
    """An RFC 6749 section 5.2 error that is also a problem object."""
    body = assert_problem(response, status)
    assert body["error"] == error, body
    return body


def add_client(app, role: str = "ven", name: str = "client") -> tuple[str, str]:
    """A new client of ``role``: (client_id, secret)."""
    with app.extensions["vtn"].db.transaction() as conn:
        return client_store.add_client(conn, name, role)


def add_client_with(app, client_id: str, secret: str, role: str = "ven") -> None:
    """A client with a chosen id and secret (add_client only makes URL-safe secrets)."""
    with app.extensions["vtn"].db.transaction() as conn:
        conn.execute(
            "INSERT INTO client (client_id, name, role, secret_hash) VALUES (%s, 'chosen', %s, %s)",
            (client_id, role, hash_secret(secret)),
        )


def get_token(http, client_id: str, secret: str, **extra) -> str:
    """An access token for this client (form body)."""
    response = post_token(http, form(client_id, secret, **extra))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def claims_of(token: str) -> dict:
    """The token's claims, not verified."""
    return jwt.decode(token, options={"verify_signature": False})


def b64url(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def hand_made(header: dict, claims: dict, sign) -> str:
    """A JWS compact token built by hand; ``sign`` maps the signing input to the signature bytes."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


def vtn_signing_key(app) -> dict:
    """The VTN's current signing key row (kid, private_pem)."""
    with app.extensions["vtn"].db.transaction() as conn:
        return conn.execute("SELECT kid, private_pem, public_jwk FROM signing_key WHERE state = 'current'").fetchone()


@pytest.fixture
def make_app(config):
    """Builds extra apps on the test's database with some settings changed."""
    apps = []

    def make(**overrides):
        application = vtn.create_app(config.with_overrides(**overrides), migrate=False)
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.extensions["vtn"].db.close()


# --- POST /auth/token: success --------------------------------------------------------------------------------------


def assert_token_answer(response, scopes) -> dict:
    """A 200 client-credentials answer (already checked against clientCredentialResponse) with these scopes."""
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert body["access_token"]
    assert body["scope"].split() == list(scopes)
    assert response.headers["Cache-Control"] == "no-store"
    return body


def test_token_with_form_body(app, http):
    client_id, secret = add_client(app, "bl")
    response = post_token(http, form(client_id, secret))
    assert_token_answer(response, ROLE_SCOPES["bl"])
    assert response.mimetype == "application/json"


def test_token_with_json_body(app, http):
    client_id, secret = add_client(app, "ven")
    response = post_token(http, json_body=form(client_id, secret))
    assert_token_answer(response, ROLE_SCOPES["ven"])


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        ("ven-basic", "a+b:c%20d e/f=="),
        ("ven:fleet+1%", "plain-secret"),
        ("ven-ü", "pässwörd:+%+"),
    ],
)
def test_token_with_basic_auth_form_urlencoded_credentials(app, http, client_id, secret):
    add_client_with(app, client_id, secret)
    response = post_token(http, {"grant_type": "client_credentials"}, headers=basic(client_id, secret))
    body = assert_token_answer(response, ROLE_SCOPES["ven"])
    assert claims_of(body["access_token"])["client_id"] == client_id


def test_token_with_special_secret_in_form_body(app, http):
    add_client_with(app, "ven-form", "a+b:c%20d e&x=y")
    assert_token_answer(post_token(http, form("ven-form", "a+b:c%20d e&x=y")), ROLE_SCOPES["ven"])


def test_basic_credentials_not_form_decoded_twice(app, http):
    """A '+' sent raw in Basic means a space (RFC 6749 2.3.1), so the real secret does not match."""
    add_client_with(app, "ven-plus", "a+b")
    raw = base64.b64encode(b"ven-plus:a+b").decode("ascii")
    response = post_token(http, {"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {raw}"})
    assert_oauth_error(response, 401, "invalid_client")


# --- POST /auth/token: errors (RFC 6749 section 5.2) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("drop", "change", "error"),
    [
        ("grant_type", {}, "invalid_request"),
        (None, {"grant_type": "password"}, "unsupported_grant_type"),
        (None, {"grant_type": "authorization_code"}, "unsupported_grant_type"),
        ("client_id", {}, "invalid_request"),
        ("client_secret", {}, "invalid_request"),
    ],
)
def test_token_request_errors(app, http, drop, change, error):
    client_id, secret = add_client(app, "ven")
    data = form(client_id, secret) | change
    data.pop(drop, None)
    assert_oauth_error(post_token(http, data), 400, error)


def test_token_with_empty_body_is_invalid_request(http):
    assert_oauth_error(post_token(http, {}), 400, "invalid_request")


@pytest.mark.parametrize("which", ["wrong_secret", "unknown_client"])
def test_bad_credentials_in_form_are_invalid_client(app, http, which):
    client_id, secret = add_client(app, "ven")
    data = form(client_id, secret + "x") if which == "wrong_secret" else form("ven-nobody", secret)
    assert_oauth_error(post_token(http, data), 401, "invalid_client")


@pytest.mark.parametrize("which", ["wrong_secret", "unknown_client"])
def test_bad_credentials_in_basic_are_invalid_client_with_challenge(app, http, which):
    client_id, secret = add_client(app, "ven")
    header = basic(client_id, "wrong") if which == "wrong_secret" else basic("ven-nobody", secret)
    response = post_token(http, {"grant_type": "client_credentials"}, headers=header)
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["WWW-Authenticate"].lower().startswith("basic")


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic " + base64.b64encode(b":secret-without-id").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic ",
    ],
    ids=["not-base64", "no-colon", "empty-id", "not-utf8", "empty"],
)
def test_malformed_basic_header_is_an_oauth_error(http, header):
    response = post_token(http, {"grant_type": "client_credentials"}, headers={"Authorization": header})
    assert response.status_code in (400, 401), response.get_json()
    body = assert_oauth_error(
        response, response.status_code, "invalid_request" if response.status_code == 400 else "invalid_client"
    )
    assert body["error_description"]
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"].lower().startswith("basic")


def test_removed_client_gets_no_token(app, http):
    client_id, secret = add_client(app, "ven")
    get_token(http, client_id, secret)
    with app.extensions["vtn"].db.transaction() as conn:
        client_store.remove_client(conn, client_id)
    assert_oauth_error(post_token(http, form(client_id, secret)), 401, "invalid_client")


# --- scope ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "requested"),
    [
        ("ven", "read_targets"),
        ("ven", "read_targets write_reports"),
        ("bl", "write_events read_all"),
        ("auditor", "read_ven_objects"),
    ],
)
def test_requested_subset_of_scopes_is_granted_exactly(app, http, role, requested):
    client_id, secret = add_client(app, role)
    body = assert_token_answer(post_token(http, form(client_id, secret, scope=requested)), requested.split())
    assert claims_of(body["access_token"])["scope"].split() == requested.split()


@pytest.mark.parametrize(
    ("role", "requested"),
    [("ven", "write_programs"), ("ven", "read_all write_events"), ("auditor", "write_vens"), ("bl", "no_such")],
)
def test_only_scopes_the_role_lacks_is_invalid_scope(app, http, role, requested):
    client_id, secret = add_client(app, role)
    assert_oauth_error(post_token(http, form(client_id, secret, scope=requested)), 400, "invalid_scope")


def test_scope_partly_allowed_grants_the_allowed_part(app, http):
    """RFC 6749 section 3.3: the server may grant less than asked, and then says what it granted."""
    client_id, secret = add_client(app, "ven")
    response = post_token(http, form(client_id, secret, scope="write_programs read_targets"))
    body = assert_token_answer(response, ["read_targets"])
    assert claims_of(body["access_token"])["scope"] == "read_targets"


@pytest.mark.parametrize("role", ["bl", "ven", "auditor"])
def test_no_scope_grants_all_of_the_role(app, http, role):
    client_id, secret = add_client(app, role)
    body = assert_token_answer(post_token(http, form(client_id, secret)), ROLE_SCOPES[role])
    assert set(claims_of(body["access_token"])["scope"].split()) == set(ROLE_SCOPES[role])


def test_token_scope_missing_for_endpoint_is_403(app, http):
    client_id, secret = add_client(app, "ven")
    token = get_token(http, client_id, secret, scope="read_targets")
    assert call(http, "GET", "/programs", token).status_code == 200
    response = call(http, "POST", "/reports", token, json=b.report("event-1"))
    assert_problem(response, 403)


# --- the VTN's tokens -----------------------------------------------------------------------------------------------


def test_token_claims_and_header(make_app):
    app = make_app(token_ttl_seconds=900)
    http = app.test_client()
    client_id, secret = add_client(app, "ven")
    body = post_token(http, form(client_id, secret)).get_json()
    assert body["expires_in"] == 900
    claims = claims_of(body["access_token"])
    assert claims["sub"] == client_id
    assert claims["client_id"] == client_id
    assert claims["role"] == "ven"
    assert claims["scope"].split() == list(ROLE_SCOPES["ven"])
    assert claims["exp"] - claims["iat"] == 900
    assert abs(claims["iat"] - time.time()) < 60
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "EdDSA"
    assert header["kid"]


def test_token_verifies_with_the_published_jwk(app, http):
    client_id, secret = add_client(app, "bl")
    token = get_token(http, client_id, secret)
    response = http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.get_json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [k for k in keys if k["kid"] == kid]
    assert "d" not in jwk  # public part only
    config = app.extensions["vtn"].config
    claims = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=["EdDSA"],
        audience=config.token_audience,
        issuer=config.token_issuer,
    )
    assert claims["sub"] == client_id


def test_several_tokens_of_one_client_are_valid_at_once(app, http):
    client_id, secret = add_client(app, "ven")
    tokens = [get_token(http, client_id, secret, scope=s) for s in ("read_targets", "read_targets write_vens", "")]
    for token in tokens:
        assert call(http, "GET", "/programs", token).status_code == 200


def _forge(case: str, token: str, signing: dict) -> str:
    """A token derived from a genuine VEN ``token`` that the VTN must refuse."""
    header = jwt.get_unverified_header(token)
    claims = claims_of(token)
    kid = header["kid"]
    real_key = signing["private_pem"]
    now = int(time.time())
    if case == "alg-none":
        return hand_made({"alg": "none", "typ": "JWT", "kid": kid}, claims, lambda _: b"")
    if case == "alg-none-no-signature":
        return hand_made({"alg": "none", "typ": "JWT", "kid": kid}, claims, lambda _: b"").rsplit(".", 1)[0] + "."
    if case == "other-ed25519-key-same-kid":
        return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": kid})
    if case == "other-ed25519-key-other-kid":
        return jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "not-ours"})
    if case in ("hs256-public-raw", "hs256-public-pem", "hs256-public-jwk"):
        public = jwt.PyJWK(signing["public_jwk"]).key
        secret = {
            "hs256-public-raw": lambda: public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
            "hs256-public-pem": lambda: public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            "hs256-public-jwk": lambda: signing["public_jwk"]["x"].encode(),
        }[case]()
        return hand_made(
            {"alg": "HS256", "typ": "JWT", "kid": kid}, claims, lambda m: hmac.new(secret, m, hashlib.sha256).digest()
        )
    if case == "scope-elevated-original-signature":
        head, _, signature = token.split(".")
        elevated = claims | {"scope": "read_all write_programs write_events", "role": "bl"}
        return f"{head}.{b64url(json.dumps(elevated).encode())}.{signature}"
    if case == "signature-dropped":
        return token.rsplit(".", 1)[0] + "."
    if case == "garbage":
        return "not-a-jwt"
    changed = {
        "wrong-audience": {"aud": "some-other-api"},
        "wrong-issuer": {"iss": "https://evil.example.com"},
        "expired": {"iat": now - 7200, "exp": now - 3600},
        "no-exp": {"exp": None},
        "no-sub": {"sub": None},
    }[case]
    forged = {k: v for k, v in (claims | changed).items() if v is not None}
    return jwt.encode(forged, real_key, algorithm="EdDSA", headers={"kid": kid})


FORGERIES = [
    "alg-none",
    "alg-none-no-signature",
    "other-ed25519-key-same-kid",
    "other-ed25519-key-other-kid",
    "hs256-public-raw",
    "hs256-public-pem",
    "hs256-public-jwk",
    "scope-elevated-original-signature",
    "signature-dropped",
    "garbage",
    "wrong-audience",
    "wrong-issuer",
    "expired",
    "no-exp",
    "no-sub",
]


@pytest.mark.parametrize("case", FORGERIES)
def test_forged_token_is_401_invalid_token(app, http, case):
    client_id, secret = add_client(app, "ven")
    token = get_token(http, client_id, secret)
    assert call(http, "GET", "/programs", token).status_code == 200
    forged = _forge(case, token, vtn_signing_key(app))
    response = call(http, "GET", "/programs", forged)
    assert_problem(response, 401)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert 'error="invalid_token"' in challenge


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Token abc"}, {"Authorization": "Basic dXNlcjpwdw=="}],
    ids=["none", "empty-bearer", "other-scheme", "basic"],
)
def test_missing_bearer_token_is_401_with_challenge(http, headers):
    response = call(http, "GET", "/programs", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# --- secrets --------------------------------------------------------------------------------------------------------


def test_hash_secret_is_salted_and_verifies():
    first, second = hash_secret("correct horse"), hash_secret("correct horse")
    assert first != second
    assert "correct horse" not in first
    assert verify_secret("correct horse", first)
    assert verify_secret("correct horse", second)
    assert not verify_secret("correct horsE", first)
    assert not verify_secret("", first)


@pytest.mark.parametrize("stored", ["", "plain", "md5$x$y$z$a$b", "scrypt$notanumber$8$1$AAAA$AAAA", "scrypt$"])
def test_verify_secret_rejects_malformed_hashes(stored):
    assert not verify_secret("anything", stored)


def test_client_table_stores_no_plaintext_secret(app):
    secrets = [add_client(app, role)[1] for role in ("bl", "ven", "auditor")]
    with app.extensions["vtn"].db.transaction() as conn:
        rows = conn.execute("SELECT secret_hash FROM client").fetchall()
        columns = [c.name for c in conn.execute("SELECT * FROM client LIMIT 0").description]
    assert len(rows) == 3
    stored = [row["secret_hash"] for row in rows]
    for secret in secrets:
        assert not any(secret in value for value in stored)
        assert sum(verify_secret(secret, value) for value in stored) == 1
    assert all(value.startswith("scrypt$") for value in stored)
    assert not {"secret", "client_secret", "password"} & set(columns)


# --- GET /auth/server -----------------------------------------------------------------------------------------------


def test_auth_server_names_our_token_endpoint(http):
    response = call(http, "GET", "/auth/server")
    assert response.status_code == 200
    url = response.get_json()["tokenURL"]
    assert url.startswith(("http://", "https://"))
    assert url.endswith("/openadr3/3.1.0/auth/token")
    assert url == f"http://localhost{TOKEN_PATH}"


@pytest.mark.parametrize("public_url", ["https://vtn.example.com", "https://vtn.example.com/"])
def test_auth_server_uses_public_url(make_app, public_url):
    http = make_app(public_url=public_url).test_client()
    response = call(http, "GET", "/auth/server")
    assert response.status_code == 200
    assert response.get_json() == {"tokenURL": "https://vtn.example.com/openadr3/3.1.0/auth/token"}


def test_auth_server_token_url_works(app, http):
    client_id, secret = add_client(app, "ven")
    url = call(http, "GET", "/auth/server").get_json()["tokenURL"]
    path = url.removeprefix("http://localhost")
    assert http.post(path, data=form(client_id, secret)).status_code == 200


# --- external identity provider -------------------------------------------------------------------------------------

IDP_ISSUER = "https://idp.example.com/"
IDP_AUDIENCE = "openadr3-vtn-api"
IDP_TOKEN_URL = "https://idp.example.com/token"


class IdP:
    """A tiny identity provider: an EC P-256 key served as a JWKS over real HTTP on 127.0.0.1."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.kid = "idp-key-1"
        jwk = json.loads(ECAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "alg": "ES256", "use": "sig"})
        body = json.dumps({"keys": [jwk]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/jwks.json":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.jwks_url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def token(self, key=None, kid=None, **claims) -> str:
        """An ES256 token; default claims are valid for this IdP's issuer and audience for ten minutes."""
        now = int(time.time())
        body = {"iss": IDP_ISSUER, "aud": IDP_AUDIENCE, "sub": "svc", "iat": now, "exp": now + 600} | claims
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key or self.key, algorithm="ES256", headers={"kid": kid or self.kid})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def idp():
    """One identity provider for the module."""
    provider = IdP()
    yield provider
    provider.close()


@pytest.fixture
def idp_http(make_app, idp):
    """Builds a test client of a VTN that trusts the IdP (extra settings as keyword arguments)."""

    def make(**overrides):
        app = make_app(
            oauth_jwks_url=idp.jwks_url,
            oauth_issuer=IDP_ISSUER,
            oauth_audience=IDP_AUDIENCE,
            oauth_token_url=IDP_TOKEN_URL,
            **overrides,
        )
        return app.test_client()

    return make


BL_SCOPES = "read_all read_targets write_programs"


def test_idp_auth_server_names_the_idp_token_url(idp_http):
    response = call(idp_http(), "GET", "/auth/server")
    assert response.status_code == 200
    assert response.get_json() == {"tokenURL": IDP_TOKEN_URL}


def test_idp_mode_token_endpoint_is_501(app, idp_http):
    client_id, secret = add_client(app, "bl")
    assert_problem(post_token(idp_http(), form(client_id, secret)), 501)


def test_idp_mode_has_no_jwks(idp_http):
    response = call(idp_http(), "GET", "/.well-known/jwks.json", checked=False)
    assert_problem(response, 404)


def test_idp_token_with_scopes_creates_and_lists_programs(idp, idp_http):
    http = idp_http()
    token = idp.token(scope=BL_SCOPES, client_id="bl-ext-1")
    created = call(http, "POST", "/programs", token, json=b.program())
    assert created.status_code == 201, created.get_json()
    listed = call(http, "GET", "/programs", token)
    assert listed.status_code == 200
    assert [p["id"] for p in listed.get_json()] == [created.get_json()["id"]]


def test_idp_token_scopes_limit_access(idp, idp_http):
    http = idp_http()
    token = idp.token(scope="read_targets", client_id="ven-ext-1")
    assert call(http, "GET", "/programs", token).status_code == 200
    assert_problem(call(http, "POST", "/programs", token, json=b.program()), 403)


@pytest.mark.parametrize("case", ["wrong-audience", "wrong-issuer", "expired", "unknown-key", "no-exp", "hs256"])
def test_idp_bad_token_is_401(idp, idp_http, case):
    http = idp_http()
    now = int(time.time())
    claims = {"scope": BL_SCOPES, "client_id": "bl-ext-1"}
    if case == "wrong-audience":
        token = idp.token(aud="another-api", **claims)
    elif case == "wrong-issuer":
        token = idp.token(iss="https://evil.example.com/", **claims)
    elif case == "expired":
        token = idp.token(iat=now - 7200, exp=now - 3600, **claims)
    elif case == "unknown-key":
        token = idp.token(key=ec.generate_private_key(ec.SECP256R1()), kid="not-published", **claims)
    elif case == "no-exp":
        token = idp.token(exp=None, **claims)
    else:
        header = {"alg": "HS256", "typ": "JWT", "kid": idp.kid}
        body = {"iss": IDP_ISSUER, "aud": IDP_AUDIENCE, "exp": now + 600, **claims}
        token = hand_made(header, body, lambda m: hmac.new(b"guess", m, hashlib.sha256).digest())
    assert call(http, "GET", "/programs", idp.token(**claims)).status_code == 200
    response = call(http, "GET", "/programs", token)
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_idp_roles_claim_gives_role_scopes_and_client_id(idp, idp_http):
    http = idp_http(oauth_roles_claim="roles")
    bl = idp.token(roles=["bl"], client_id="bl-ext-1")
    ven = idp.token(roles=["ven"], client_id="ven-ext-1")
    program = call(http, "POST", "/programs", bl, json=b.program())
    assert program.status_code == 201, program.get_json()
    event = call(http, "POST", "/events", bl, json=b.event(program.get_json()["id"]))
    assert event.status_code == 201, event.get_json()

    assert_problem(call(http, "POST", "/programs", ven, json=b.program()), 403)
    events = call(http, "GET", "/events", ven)
    assert events.status_code == 200
    assert [e["id"] for e in events.get_json()] == [event.get_json()["id"]]

    ven_obj = call(http, "POST", "/vens", ven, json=b.ven_by_ven())
    assert ven_obj.status_code == 201, ven_obj.get_json()
    assert ven_obj.get_json()["clientID"] == "ven-ext-1"
    report = call(http, "POST", "/reports", ven, json=b.report(event.get_json()["id"]))
    assert report.status_code == 201, report.get_json()
    assert report.get_json()["clientID"] == "ven-ext-1"
