"""A real HTTP webhook receiver on 127.0.0.1 for the notification tests.

It answers the echo check (or not, when told), records every POSTed notification with its headers, can
answer 500 for a while, hang, or be stopped and started again on the same port.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Receiver:
    """Records notifications POSTed to http://127.0.0.1:<port>/<anything>."""

    def __init__(self, port: int = 0):
        self.received: list[dict] = []
        self.echo = True
        self.fail_next = 0
        self.hang_seconds = 0.0
        self._cond = threading.Condition()
        self._server = None
        self.port = port
        self.start()

    def url(self, path: str = "/cb") -> str:
        """A callback URL on this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        """Listen (again) on the receiver's port."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                echo = parse_qs(urlsplit(self.path).query).get("echo", [""])[0]
                body = json.dumps({"echo": echo if receiver.echo else "no"}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.hang_seconds:
                    time.sleep(receiver.hang_seconds)
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                with receiver._cond:
                    receiver.received.append(
                        {
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": json.loads(raw),
                            "raw": raw,
                            "at": time.monotonic(),
                        }
                    )
                    receiver._cond.notify_all()
                self.send_response(200)
                self.end_headers()

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # the default (5) drops SYNs under fan-out, adding 1 s retransmits

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening (connections are refused until start())."""
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0, path: str | None = None) -> list[dict]:
        """The notifications received (on ``path``), once there are at least ``count``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [r for r in self.received if path is None or r["path"] == path]
                if len(got) >= count or time.monotonic() >= deadline:
                    return got
                self._cond.wait(max(0.0, deadline - time.monotonic()))

    def bodies(self, path: str | None = None) -> list[dict]:
        """The notification bodies received so far (on ``path``)."""
        with self._cond:
            return [r["body"] for r in self.received if path is None or r["path"] == path]
