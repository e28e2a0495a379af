"""`vtn serve`: gunicorn, with the application built in each worker after fork, and delivery beside it."""

from __future__ import annotations

import ctypes
import logging
import os
import ssl
import subprocess
import sys
import threading

from gunicorn.app.base import BaseApplication

from .config import Config

log = logging.getLogger("vtn.server")
_M_MMAP_THRESHOLD = -3  # mallopt(3)


class VTNServer(BaseApplication):
    """A gunicorn application whose workers each call create_app (one pool per worker)."""

    def __init__(self, config: Config, options: dict):
        self.vtn_config = config
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app

        return_large_blocks_to_the_os()
        # `vtn serve` migrated before forking; a worker must boot without the database, or gunicorn would stop the
        # whole server ("Worker failed to boot") when a worker is respawned during a database outage.
        return create_app(self.vtn_config, migrate=False)


def return_large_blocks_to_the_os() -> None:
    """Make glibc unmap large freed blocks: scrypt's 16 MB work area (auth/secrets.py) would otherwise stay.

    glibc raises its mmap threshold after the first large free, so later 16 MB blocks come from per-thread heaps
    and are kept: a worker grew from 46 to 130 MB after a few token requests. A fixed threshold stops that.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 1 << 20)


class DeliveryProcess:
    """`vtn worker` as a child of `vtn serve`, restarted if it dies, stopped with the server."""

    def __init__(self, config: Config):
        self.env = {**os.environ, "VTN_DATABASE_URL": config.database_url}
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()

    def start(self, _server=None) -> None:
        """Start the child and a thread that restarts it when it exits unexpectedly."""
        self.process = self._spawn()
        threading.Thread(target=self._watch, name="vtn-delivery-watch", daemon=True).start()

    def _spawn(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "vtn.cli", "worker"], env=self.env)

    def _watch(self) -> None:
        while not self.stopping.wait(1.0):
            if self.process is not None and self.process.poll() is not None:
                log.warning("delivery worker exited (%s); restarting it", self.process.returncode)
                self.process = self._spawn()

    def stop(self, _server=None) -> None:
        """Stop the child (it finishes the delivery in hand)."""
        self.stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def _tls_context(conf, default_ssl_context_factory):
    """gunicorn's TLS context with TLS 1.2 as the oldest version offered (RFC 9325; OpenADR 3 mandates TLS 1.2+)."""
    context = default_ssl_context_factory()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def run(config: Config, host: str, port: int, workers: int, threads: int) -> None:
    """Serve until stopped."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": config.log_level.lower(),
        "control_socket_disable": True,
        # Oversized headers get gunicorn's own 431/400 before the app sees them; the request line (4094 bytes) and
        # header count (100) keep gunicorn's defaults.
        "limit_request_field_size": config.max_header_bytes,
    }
    if config.tls_cert_file or config.tls_key_file:
        options.update(certfile=config.tls_cert_file, keyfile=config.tls_key_file, ssl_context=_tls_context)
    if config.delivery_in_serve:
        delivery = DeliveryProcess(config)
        options["when_ready"] = delivery.start
        options["on_exit"] = delivery.stop
    VTNServer(config, options).run()
