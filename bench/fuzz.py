"""The full contract-fuzzing run: every operation of an official YAML against a live `vtn serve`.

    .venv/bin/python -m bench.fuzz --examples 350 --scenarios 60 [--seed 1]   # 3.1.0, about 15 minutes on 2 cores
    .venv/bin/python -m bench.fuzz --version 3.0.1 --examples 120 --scenarios 12   # 3.0.1, about 10 minutes

Creates and drops its own database. Each operation gets --examples positive and --examples negative cases
(schemathesis), each sent with a BL or VEN token its security allows; then --scenarios stateful scenarios
(create, read, update, read, delete, read in every collection). Prints operations fuzzed, examples per
operation, total requests, the status histogram and every failure. Without --seed the run is derandomized
(the same cases as CI, scaled up); with it, hypothesis explores from that seed. See docs/contract-fuzzing.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.contract_fuzz import Fuzzer, Tally  # noqa: E402
from tests.contract_versions import CONTRACTS  # noqa: E402
from tests.pg import TestDatabases  # noqa: E402


def main() -> int:
    """Run the fuzzing; exit status 1 when any answer failed a check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=350, help="positive and negative cases per operation")
    parser.add_argument("--scenarios", type=int, default=60, help="stateful scenarios")
    parser.add_argument("--version", choices=sorted(CONTRACTS), default="3.1.0", help="the document to fuzz")
    parser.add_argument("--seed", type=int, default=None, help="explore from this seed instead of derandomizing")
    args = parser.parse_args()
    databases = TestDatabases()
    url = databases.create()
    fuzzer = Fuzzer(url, seed=args.seed, version=args.version)
    try:
        started = time.monotonic()
        fuzzer.fuzz_all(args.examples)
        title = f"{args.version} per-operation fuzzing, {args.examples} positive + {args.examples} negative examples"
        _print(title, fuzzer.tally)
        fuzz_seconds = time.monotonic() - started
        per_operation = fuzzer.tally
        fuzzer.tally = Tally()
        started = time.monotonic()
        fuzzer.stateful(args.scenarios)
        _print(f"stateful fuzzing, {args.scenarios} scenarios", fuzzer.tally)
        print(f"\nseconds: per-operation {fuzz_seconds:.0f}, stateful {time.monotonic() - started:.0f}")
        requests = sum(per_operation.statuses.values()) + sum(fuzzer.tally.statuses.values())
        failures = per_operation.failures + fuzzer.tally.failures
        print(f"total requests: {requests}; failures: {len(failures)}")
        return 1 if failures else 0
    finally:
        fuzzer.stop()
        databases.drop(url)
        databases.close()


def _print(title: str, tally: Tally) -> None:
    print(f"\n== {title}\n{tally.summary()}")
    for label, count in sorted(tally.examples.items()):
        print(f"  {label}: {count}")
    for failure in tally.failures:
        print("FAILURE", failure)


if __name__ == "__main__":
    sys.exit(main())
