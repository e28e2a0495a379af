"""A real `vtn serve` (gunicorn, several workers) in a subprocess, on a fresh test database."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

VTN = str(Path(sys.executable).with_name("vtn"))


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def vtn_env(database_url: str, **extra: str) -> dict:
    """The environment of a `vtn` command pointed at ``database_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTN_")}
    defaults = {
        "VTN_DATABASE_URL": database_url,
        "VTN_LOG_LEVEL": "WARNING",
        "VTN_WEBHOOK_VERIFY_ON_SUBSCRIBE": "false",
    }
    env.update({**defaults, **extra})
    return env


def vtn_command(database_url: str, *args: str) -> str:
    """Run a `vtn` command and return its standard output."""
    done = subprocess.run([VTN, *args], env=vtn_env(database_url), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def add_client(database_url: str, role: str, name: str) -> dict:
    """`vtn client add --json`: the new client's id and secret."""
    return json.loads(vtn_command(database_url, "client", "add", "--role", role, "--name", name, "--json"))


class ServedVTN:
    """`vtn serve` with N workers; stop() ends it."""

    def __init__(self, database_url: str, workers: int = 2, **env: str):
        self.port = free_port()
        self.scheme = "https" if "VTN_TLS_CERT_FILE" in env else "http"
        self.base = f"{self.scheme}://127.0.0.1:{self.port}"
        self.api = f"{self.base}/openadr3/3.1.0"
        self.database_url = database_url
        command = [VTN, "serve", "--port", str(self.port), "--workers", str(workers)]
        # A file, not a pipe: nobody reads a pipe while the server runs, and a full one blocks its workers.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - open for the server's lifetime
        self.process = subprocess.Popen(
            command, env=vtn_env(database_url, **env), stdout=self.log, stderr=subprocess.STDOUT, text=True
        )
        self._wait()

    def _wait(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"vtn serve exited: {self.output()}")
            try:
                if requests.get(f"{self.base}/health", timeout=5, verify=False).status_code == 200:
                    return
            except requests.RequestException:  # refused while starting, or slow on a busy machine
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("vtn serve did not become healthy")

    def token(self, client: dict) -> str:
        """An access token for a client made by add_client()."""
        form = {"grant_type": "client_credentials", **{k: client[k] for k in ("client_id", "client_secret")}}
        response = requests.post(f"{self.api}/auth/token", data=form, timeout=10)
        response.raise_for_status()
        return response.json()["access_token"]

    def stop(self) -> str:
        """Stop the server; returns what it printed."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.output()

    def output(self) -> str:
        """What the server has printed so far."""
        self.log.seek(0)
        return self.log.read()
