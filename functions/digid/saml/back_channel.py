"""The SOAP back channel to DigiD's ArtifactResolutionService: one POST over mutual TLS, with a timeout."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from ._xml import MAX_MESSAGE_BYTES
from .config import SpConfig

__all__ = ["HttpPost", "mutual_tls_post"]

HttpPost = Callable[[str, bytes, Mapping[str, str], float], tuple[int, bytes]]
"""``post(url, body, headers, timeout_seconds) -> (status_code, body)``; raises on transport failure."""

_PEM_MARKER: Final = "-----BEGIN"


def mutual_tls_post(config: SpConfig) -> HttpPost:
    """The real back channel: ``requests`` with our TLS client certificate, DigiD's CA, no proxies from the env."""

    def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
        import requests  # only the ACS path needs it: keep it out of the other functions' cold start

        with _private_pem_files(config) as (cert_path, key_path, ca_path), requests.Session() as session:
            session.trust_env = False  # explicit configuration only: no proxy or CA bundle from the environment
            response = session.post(
                url,
                data=body,
                headers=dict(headers),
                cert=(cert_path, key_path),
                verify=ca_path if ca_path else True,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            with response:
                content = response.raw.read(MAX_MESSAGE_BYTES + 1, decode_content=True)
            return response.status_code, content

    return post


@contextmanager
def _private_pem_files(config: SpConfig) -> Iterator[tuple[str, str, str | None]]:
    """The TLS client certificate and key (and a PEM CA bundle) as files readable by us only, for one call."""
    with tempfile.TemporaryDirectory(prefix="digid-mtls-") as directory:  # created with mode 0700
        cert_path = _write_private(Path(directory) / "client-cert.pem", config.tls_client_cert_pem)
        key_path = _write_private(Path(directory) / "client-key.pem", config.tls_client_key_pem)
        ca_bundle = config.tls_ca_bundle
        if ca_bundle and ca_bundle.lstrip().startswith(_PEM_MARKER):
            ca_bundle = _write_private(Path(directory) / "ca-bundle.pem", ca_bundle)
        yield cert_path, key_path, ca_bundle


def _write_private(path: Path, content: str) -> str:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(content)
    return str(path)
