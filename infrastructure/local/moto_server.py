"""moto in server mode on 127.0.0.1: the local stand-in for AWS.

By default it runs in a thread of this process, which starts fastest. moto keeps its state in module-level globals,
so anything else in the same process that resets moto - ``mock_aws()`` in a test, for one - wipes the stack's tables
and user pool. ``isolated=True`` runs the server in a child process instead.

DynamoDB requests are served one at a time. moto's DynamoDB backend is not thread-safe: a transaction deep-copies the
table while another request writes to it ("dictionary changed size during iteration", an HTTP 500 that boto3's
retries do not always outlast), which made 1 of 200 concurrent residents of ``make bench`` end on the error page.
DynamoDB itself serves requests concurrently; moto answers one in about a millisecond, so the lock costs the local
stack little. Other services (SQS long polls among them) stay concurrent.

A cancelled transaction streams nothing, as in DynamoDB (``cancelled_transactions_stream_nothing``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

__all__ = ["MotoServer", "SerializedMotoServer", "cancelled_transactions_stream_nothing"]

# The child: a SerializedMotoServer on a free port; it prints its URL and stops when its stdin closes (also when the
# parent dies).
_CHILD = """
import logging, sys
logging.getLogger("werkzeug").setLevel(logging.WARNING)
from infrastructure.local.moto_server import SerializedMotoServer
server = SerializedMotoServer()
server.start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""
_REPO_ROOT = Path(__file__).resolve().parents[2]

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def one_dynamodb_request_at_a_time(app: Wsgi) -> Wsgi:
    """``app`` with its DynamoDB and DynamoDB Streams requests (JSON protocol: ``X-Amz-Target: DynamoDB…``) under
    one lock, their answers read inside it."""
    lock = threading.Lock()

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB"):
            return app(environ, start_response)
        with lock:
            return list(app(environ, start_response))

    return serve


def cancelled_transactions_stream_nothing() -> None:
    """moto applies a transaction's writes one by one and, when one is refused, puts back a deep copy of each table it
    touched, with a copy of its stream shard: the records of the writes it took back stay in the shard the stream's
    readers hold (an INSERT of a proof record that never existed), and every later write goes to the copy, which they
    never read. DynamoDB streams nothing of a cancelled transaction; so does this: each table keeps its own shard,
    without the records the cancelled transaction added. (A refused close is such a transaction.)"""
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "keeps_stream_shards", False):
        return

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        shards = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            original(self, transact_items)
        except Exception:
            for name, (shard, length) in shards.items():
                del shard.items[length:]
                if name in self.tables:
                    self.tables[name].stream_shard = shard
            raise

    transact_write_items.keeps_stream_shards = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


class SerializedMotoServer:
    """moto's own server (werkzeug, a thread per request) on 127.0.0.1, with ``one_dynamodb_request_at_a_time``."""

    def __init__(self) -> None:
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        cancelled_transactions_stream_nothing()
        app = one_dynamodb_request_at_a_time(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="moto")
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


class MotoServer:
    def __init__(self, isolated: bool = False) -> None:
        self.isolated = isolated
        self.url = ""
        self._server: Any = None
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> str:
        """Start the server and return its URL; the state starts empty."""
        if self.isolated:
            path = os.pathsep.join(filter(None, [str(_REPO_ROOT), os.environ.get("PYTHONPATH")]))
            self._process = subprocess.Popen(  # the same interpreter, a fixed script: nothing from outside
                [sys.executable, "-c", _CHILD],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": path},
            )
            self.url = _first_line(self._process.stdout)
            if not self.url.startswith("http://"):
                self.stop()
                raise RuntimeError("moto did not start in its child process (see the error above)")
        else:
            werkzeug = logging.getLogger("werkzeug")
            if werkzeug.level == logging.NOTSET:  # werkzeug would print every request moto serves
                werkzeug.setLevel(logging.WARNING)
            self._server = SerializedMotoServer()
            self._server.start()
            self.url = self._server.url
            self.reset()  # moto's state is process-wide: a stack started before in this process left its resources
        return self.url

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310 (local http)
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 (local http)  # nosec B310
            pass

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._process is not None:
            if self._process.stdin:
                self._process.stdin.close()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout:
                self._process.stdout.close()
            self._process = None


def _first_line(stream: IO[str] | None) -> str:
    return stream.readline().strip() if stream is not None else ""
