"""The ceiling: `vtn serve`'s own gunicorn configuration serving a Flask app that answers from memory.

    python -m bench.ceiling --port 8090 --workers 2 --threads 4 --body response.json

Every GET or POST, on any path, gets the same status, content type and body (read from --body at start),
so what the VTN achieves can be set against what gunicorn + Flask alone achieve on this machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

from flask import Flask, Response, request

from vtn import config as config_module
from vtn import server

ROOT = Path(__file__).resolve().parent.parent


def ceiling_app(body: bytes, status: int = 200, content_type: str = "application/json") -> Flask:
    """A Flask app answering every GET/POST path with ``body``."""
    app = Flask("ceiling")

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def answer(path):
        request.get_data()  # read what was sent, as the VTN does
        return Response(body, status=status, content_type=content_type)

    return app


class CeilingServer(server.VTNServer):
    """VTNServer whose workers load the ceiling app instead of the VTN."""

    answer: tuple = (b"", 200, "application/json")  # set by serve() before gunicorn forks

    def load(self):
        return ceiling_app(*CeilingServer.answer)


def serve(body: bytes, port: int, workers: int, threads: int, status: int, content_type: str, host="127.0.0.1"):
    """Serve the ceiling app until stopped, through vtn.server.run (same gunicorn options, no delivery)."""
    CeilingServer.answer = (body, status, content_type)
    # run() builds the options and instantiates VTNServer; swapping the class keeps one copy of the options.
    server.VTNServer = CeilingServer
    config = config_module.from_env().with_overrides(delivery_in_serve=False)
    server.run(config, host=host, port=port, workers=workers, threads=threads)


def _answers(url: str) -> bool:
    try:
        with urlopen(url, timeout=1) as response:
            response.read()
        return True
    except HTTPError:
        return True
    except (URLError, OSError):
        return False


def start_ceiling(body: bytes, workers: int = 2, threads: int = 4, status: int = 200, content_type="application/json"):
    """Start `python -m bench.ceiling` on a free port; returns (process, base_url) once it answers."""
    from tests.served import free_port, vtn_env

    port = free_port()
    with tempfile.NamedTemporaryFile(prefix="ceiling-", delete=False) as file:
        file.write(body)
    args = ["--port", str(port), "--workers", str(workers), "--threads", str(threads), "--body", file.name]
    args += ["--status", str(status), "--content-type", content_type]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - like ServedVTN: the access log goes to a file, not a pipe
    env = vtn_env("postgresql:///unused")  # the environment ServedVTN gives `vtn serve` (log level WARNING)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.ceiling", *args], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait(process, base_url, log)
    finally:
        os.unlink(file.name)
    return process, base_url


def _wait(process, base_url: str, log, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"ceiling exited: {log.read().decode(errors='replace')}")
        if _answers(f"{base_url}/ready"):
            return
        time.sleep(0.1)
    stop(process)
    raise RuntimeError("ceiling did not answer")


def stop(process: subprocess.Popen) -> None:
    """Stop a ceiling started by start_ceiling()."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv=None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--body", required=True, type=Path, help="file whose bytes every answer carries")
    parser.add_argument("--status", type=int, default=200)
    parser.add_argument("--content-type", default="application/json")
    args = parser.parse_args(argv)
    body = args.body.read_bytes()
    serve(body, args.port, args.workers, args.threads, args.status, args.content_type, args.host)


if __name__ == "__main__":
    main()
