"""The SOAP back channel to DigiD's ArtifactResolutionService: one POST over mutual TLS, with a timeout.

The TLS client certificate, its key and a PEM CA bundle are written once per process into a private directory
(mode 0700, files 0600, removed at exit), and one ``requests.Session`` per set of TLS material keeps the
connection to DigiD open between logins, so a warm function does not repeat the TLS handshake every time.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from ._xml import MAX_MESSAGE_BYTES
from .config import SpConfig

if TYPE_CHECKING:
    import requests

__all__ = ["HttpPost", "mutual_tls_post"]

HttpPost = Callable[[str, bytes, Mapping[str, str], float], tuple[int, bytes]]
"""``post(url, body, headers, timeout_seconds) -> (status_code, body)``; raises on transport failure."""

_PEM_MARKER: Final = "-----BEGIN"
# A kept-alive connection idle for longer may already be closed by DigiD's side (many servers use 5 s); starting
# afresh then costs one handshake, while sending into a half-closed connection would fail a resident's login.
_MAX_IDLE_SECONDS: Final = 4.0

TlsMaterial = tuple[str, str, str | None]  # client certificate PEM, client key PEM, CA bundle (path or PEM)


def mutual_tls_post(config: SpConfig) -> HttpPost:
    """The real back channel: ``requests`` with our TLS client certificate, DigiD's CA, no proxies from the env."""
    material: TlsMaterial = (config.tls_client_cert_pem, config.tls_client_key_pem, config.tls_ca_bundle)

    def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
        channel = _channel_for(material)
        response = channel.fresh_session().post(
            url,
            data=body,
            headers=dict(headers),
            cert=(channel.cert_path, channel.key_path),
            verify=channel.ca_bundle if channel.ca_bundle else True,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
        with response:  # a body read to its end returns the connection to the session's pool for the next login
            content = response.raw.read(MAX_MESSAGE_BYTES + 1, decode_content=True)
        return response.status_code, content

    return post


@dataclass
class _Channel:
    """The PEM files and the kept-alive session for one set of TLS material, for the life of the process."""

    directory: tempfile.TemporaryDirectory[str]
    cert_path: str
    key_path: str
    ca_bundle: str | None
    session: requests.Session
    last_used: float = 0.0

    def fresh_session(self) -> requests.Session:
        """The session, its pooled connections dropped first when they have been idle too long."""
        now = time.time()  # wall clock: it also moves while a Lambda environment is frozen between invocations
        if now - self.last_used > _MAX_IDLE_SECONDS:
            self.session.close()  # closes pooled connections only; the session opens new ones as needed
        self.last_used = now
        return self.session

    def close(self) -> None:
        self.session.close()
        self.directory.cleanup()


_channels: dict[TlsMaterial, _Channel] = {}
_channels_lock = threading.Lock()


def _channel_for(material: TlsMaterial) -> _Channel:
    with _channels_lock:
        channel = _channels.get(material)
        if channel is None:
            if not _channels:
                atexit.register(_close_channels)
            channel = _channels[material] = _open_channel(material)
        return channel


def _open_channel(material: TlsMaterial) -> _Channel:
    from http.cookiejar import DefaultCookiePolicy  # loaded by requests too: none of it before the ACS path

    import requests  # only the ACS path needs it: keep it out of the other functions' cold start

    cert_pem, key_pem, ca_bundle = material
    directory = tempfile.TemporaryDirectory(prefix="digid-mtls-")  # created with mode 0700
    cert_path = _write_private(Path(directory.name) / "client-cert.pem", cert_pem)
    key_path = _write_private(Path(directory.name) / "client-key.pem", key_pem)
    if ca_bundle and ca_bundle.lstrip().startswith(_PEM_MARKER):
        ca_bundle = _write_private(Path(directory.name) / "ca-bundle.pem", ca_bundle)
    session = requests.Session()
    session.trust_env = False  # explicit configuration only: no proxy or CA bundle from the environment
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # no state carried from one login to the next
    return _Channel(directory, cert_path, key_path, ca_bundle, session)


def _close_channels() -> None:
    with _channels_lock:
        for channel in _channels.values():
            channel.close()
        _channels.clear()


def _write_private(path: Path, content: str) -> str:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(content)
    return str(path)
