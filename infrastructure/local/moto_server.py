"""moto in server mode on 127.0.0.1: the local stand-in for AWS.

By default it runs in a thread of this process (``ThreadedMotoServer``), which starts fastest. moto keeps its
state in module-level globals, so anything else in the same process that resets moto - ``mock_aws()`` in a test,
for one - wipes the stack's tables and user pool. ``isolated=True`` runs the server in a child process instead.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import urllib.request
from typing import IO, Any

__all__ = ["MotoServer"]

# The child: a ThreadedMotoServer on a free port; it prints its URL and stops when its stdin closes (also when the
# parent dies).
_CHILD = """
import logging, sys
logging.getLogger("werkzeug").setLevel(logging.WARNING)
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
print(f"http://{host}:{port}", flush=True)
sys.stdin.read()
server.stop()
"""


class MotoServer:
    def __init__(self, isolated: bool = False) -> None:
        self.isolated = isolated
        self.url = ""
        self._server: Any = None
        self._process: subprocess.Popen[str] | None = None

    def start(self) -> str:
        """Start the server and return its URL; the state starts empty."""
        if self.isolated:
            self._process = subprocess.Popen(  # the same interpreter, a fixed script: nothing from outside
                [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            self.url = _first_line(self._process.stdout)
            if not self.url.startswith("http://"):
                self.stop()
                raise RuntimeError("moto did not start in its child process (see the error above)")
        else:
            werkzeug = logging.getLogger("werkzeug")
            if werkzeug.level == logging.NOTSET:  # werkzeug would print every request moto serves
                werkzeug.setLevel(logging.WARNING)
            from moto.server import ThreadedMotoServer

            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.url = f"http://{host}:{port}"
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
