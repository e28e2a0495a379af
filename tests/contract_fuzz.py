"""Contract fuzzing: schemathesis turns an official YAML into requests to a live VTN and checks every answer.

Used by tests/test_contract_fuzz.py (bounded, for CI) and bench/fuzz.py (the full run); see
docs/contract-fuzzing.md. One driver for each document the VTN serves (3.1.0, 3.0.1: tests/contract_versions.py).
"""

from __future__ import annotations

import collections
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .contract_versions import COLLECTIONS, CONTRACTS, REFERENCES, Contract
from .served import ServedVTN, add_client

# Hypothesis keeps caches (constants, unicode data) in ./.hypothesis by default: keep the work tree clean.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "vtn-contract-fuzz-hypothesis")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Statuses Definition.md "Response Codes and Errors" says a VTN SHALL support for each method, which some
# operations of the YAML leave out (e.g. 404 on POST /events for an unknown programID): docs/spec-choices.md,
# Defects in the YAML #4 (401) and #13. Such an answer passes when it is a problem object in application/json,
# as the YAML's own problem responses are.
SPEC_TEXT_STATUSES = {
    "GET": {401, 403, 404},
    "POST": {401, 403, 404, 409},
    "PUT": {401, 403, 404, 409},
    "DELETE": {401, 403, 404},
}
# gunicorn answers 414 (a body not of ours) to a request line beyond its limit_request_line, before the VTN
# runs; long `targets` queries get there. The YAML lists no 414: docs/spec-choices.md, Defects in the YAML #14.
GUNICORN_REQUEST_LINE = 4094
# The settings of the fuzzed VTN. Rate limiting of /auth/token is off: the fuzzer sends hundreds of bad
# credentials, and 429 is not in the YAML (docs/spec-choices.md, Defects in the YAML #14). Delivery is off:
# fuzzed subscriptions must not make the VTN call fuzzed callback URLs.
SERVE_ENV = {"VTN_TOKEN_FAILURES_PER_MINUTE": "0", "VTN_DELIVERY_IN_SERVE": "false"}
# The VEN writes these (3.0.1 resources are under /vens).
VEN_COLLECTIONS = ("/reports", "/subscriptions", "/vens", "/resources")


def allowed_roles(operation, contract: Contract) -> list[str]:
    """The roles (BL, VEN) whose scopes satisfy the operation's oAuth2 security; [] when it needs no token."""
    needed = [s for req in operation.definition.raw.get("security", []) for s in req.get("oAuth2ClientCredentials", [])]
    if not needed:
        return []
    return [role for role in ("bl", "ven") if all(role in contract.roles(s) for s in needed)]


def _over_request_line(response) -> bool:
    """True when the request line was longer than gunicorn's limit (GUNICORN_REQUEST_LINE)."""
    parts = urlsplit(response.request.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return len(f"{response.request.method} {target} HTTP/1.1".encode()) > GUNICORN_REQUEST_LINE


def stateful_role(operation, contract: Contract) -> str | None:
    """The role of a stateful step: the VEN on its own collections (so it owns what it creates), else BL."""
    roles = allowed_roles(operation, contract)
    if "ven" in roles and operation.path.startswith(VEN_COLLECTIONS):
        return "ven"
    return roles[0] if roles else None


@dataclass
class Tally:
    """What a fuzzing run did: examples per operation, statuses, failures."""

    examples: collections.Counter = field(default_factory=collections.Counter)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    failures: list = field(default_factory=list)
    impossible: list = field(default_factory=list)
    spec_text_statuses: collections.Counter = field(default_factory=collections.Counter)
    answers: collections.Counter = field(default_factory=collections.Counter)  # "GET /vens 200" -> count
    stateful_steps: int = 0
    request_line_limit: int = 0  # 414 answers of gunicorn, not checked (GUNICORN_REQUEST_LINE)

    def summary(self) -> str:
        """A few lines for logs."""
        per_op = sorted(self.examples.values())
        statuses = " ".join(f"{code}:{n}" for code, n in sorted(self.statuses.items()))
        return (
            f"operations fuzzed: {len(self.examples)}; examples per operation: min {per_op[0] if per_op else 0}, "
            f"max {per_op[-1] if per_op else 0}; stateful steps: {self.stateful_steps}; "
            f"responses checked: {sum(self.statuses.values())}\nstatus histogram: {statuses}\n"
            f"statuses the YAML omits but Definition.md lists: {dict(self.spec_text_statuses) or '-'}\n"
            f"414 from gunicorn (request line too long, not checked): {self.request_line_limit}\n"
            f"failures: {len(self.failures)}; no case possible: {', '.join(self.impossible) or '-'}"
        )


class Fuzzer:
    """A live VTN on ``database_url`` with a BL and a VEN token, and the schema bound to it."""

    def __init__(self, database_url: str, workers: int = 2, seed: int | None = None, version: str = "3.1.0"):
        self.seed = seed
        self.contract = CONTRACTS[version]
        self.served = ServedVTN(database_url, workers=workers, **SERVE_ENV)
        self.tokens = {
            role: self.served.token(add_client(database_url, role, f"fuzz {role}")) for role in ("bl", "ven")
        }
        self.schema = schemathesis.openapi.from_dict(self.contract.document())
        self.schema.config.update(base_url=self.served.base + self.contract.path)
        self.session = requests.Session()
        self.tally = Tally()

    def stop(self) -> None:
        """Stop the VTN."""
        self.session.close()
        self.served.stop()

    def operations(self) -> list:
        """Every operation of the YAML."""
        return [result.ok() for result in self.schema.get_all_operations()]

    def send(self, case, role: str | None):
        """Send one case as ``role`` and record the checks' verdict (failures are collected, not raised)."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        response = case.call(session=self.session, headers=headers)
        self.tally.examples[case.operation.label] += 1
        self.tally.statuses[response.status_code] += 1
        self.tally.answers[f"{case.operation.label} {response.status_code}"] += 1
        if response.status_code == 414 and _over_request_line(response):
            self.tally.request_line_limit += 1
            return response
        checks = CHECKS
        if self._spec_text_status(case, response):
            checks = [check for check in CHECKS if check is not status_code_conformance]
            self.tally.spec_text_statuses[f"{case.operation.label} {response.status_code}"] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:  # check failures: record them all, go on
            self.tally.failures.append(f"{case.operation.label} as {role} -> {response.status_code}: {exc}")
        return response

    def _spec_text_status(self, case, response) -> bool:
        """True for a problem answer whose status the YAML omits but Definition.md lists (SPEC_TEXT_STATUSES)."""
        declared = case.operation.definition.raw["responses"]
        status = response.status_code
        if str(status) in declared or status not in SPEC_TEXT_STATUSES.get(case.method.upper(), ()):
            return False
        problems = list(self.contract.problem_validator().iter_errors(response.json()))
        kind = response.headers.get("content-type", [None])[0]  # schemathesis: lowercase keys, list values
        if kind != "application/json" or problems:
            self.tally.failures.append(f"{case.operation.label} -> {status}: not a problem in JSON: {kind} {problems}")
        return True

    def fuzz_operation(self, operation, examples: int, mode: GenerationMode) -> None:
        """``examples`` generated cases of one operation, each sent by a role its security allows."""
        roles = allowed_roles(operation, self.contract) or [None]

        @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(roles))
        def run(case, role):
            self.send(case, role)

        try:
            self._configured(run, examples)()
        except Unsatisfiable:  # no negative case exists (e.g. GET /auth/server has no parameters)
            self.tally.impossible.append(f"{operation.label} {mode.value}")

    def fuzz_all(self, examples: int) -> None:
        """Every operation, ``examples`` positive and ``examples`` negative cases each."""
        for operation in self.operations():
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                self.fuzz_operation(operation, examples, mode)

    def stateful(self, scenarios: int) -> None:
        """Scenarios: create -> read -> update -> read in every collection (later creates refer to the objects
        made before), then delete -> read in reverse order. Bodies are generated; ids are the created ones.

        What is drawn never depends on the answers, so a derandomized run replays exactly; schemathesis' own
        state machine over a live database does not (hypothesis raises FlakyStrategyDefinition when a replayed
        step finds the database changed), see docs/contract-fuzzing.md.
        """
        by_id = {op.definition.raw["operationId"]: op for op in self.operations()}
        strategy = {name: op.as_strategy(generation_mode=GenerationMode.POSITIVE) for name, op in by_id.items()}

        @given(data=st.data())
        def run(data):
            made = {}
            for collection, (param, create, read, update, _) in COLLECTIONS.items():
                made[collection] = self._step(data.draw(strategy[create]), collection, made)
                for name in (read, update, read):
                    self._step(data.draw(strategy[name]), collection, made, param)
            for collection, (param, _, read, _, delete) in reversed(COLLECTIONS.items()):
                for name in (delete, read):
                    self._step(data.draw(strategy[name]), collection, made, param)

        self._configured(run, scenarios)()

    def _configured(self, test, examples: int):
        """``test`` with our hypothesis settings: no example database, no shrinking (failures are collected),
        derandomized unless a seed was given."""
        test = settings(
            max_examples=examples,
            derandomize=self.seed is None,
            database=None,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )(test)
        return test if self.seed is None else seed(self.seed)(test)

    def _step(self, case, collection: str, made: dict, param: str | None = None) -> dict | None:
        """Send a stateful step aimed at the scenario's objects; the object answered on 200/201, else None."""
        if param and made.get(collection):
            case.path_parameters[param] = made[collection]["id"]
        for member, (source, source_member) in REFERENCES.get(collection, {}).items():
            if not made.get(source):
                continue
            if isinstance(case.body, dict):
                case.body[member] = made[source][source_member]
            if case.path_parameters and member in case.path_parameters:  # 3.0.1: /vens/{venID}/resources
                case.path_parameters[member] = made[source][source_member]
        self.tally.stateful_steps += 1
        response = self.send(case, stateful_role(case.operation, self.contract))
        return response.json() if response.status_code in (200, 201) else None
