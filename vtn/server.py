"""`vtn serve`: gunicorn, with the application built in each worker after fork."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .config import Config


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

        return create_app(self.vtn_config)


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
    }
    VTNServer(config, options).run()
