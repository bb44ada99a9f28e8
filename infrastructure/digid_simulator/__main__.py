"""Run the DigiD simulator: ``python -m infrastructure.digid_simulator --port 0 --sp-metadata <path-or-url>``.

Prints one JSON line with the URLs and the test PKI directory, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from .idp import SHAPES
from .pki import generate_test_pki
from .simulator import METADATA_PATH, DigidSimulator

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def main(argv: list[str] | None = None) -> None:
    arguments = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    pki = generate_test_pki(arguments.pki_dir) if arguments.pki_dir else None
    simulator = DigidSimulator(
        _metadata_source(arguments.sp_metadata) if arguments.sp_metadata else None,
        pki=pki,
        host=arguments.host,
        port=arguments.port,
        ars_port=arguments.ars_port,
        base_url=arguments.base_url,
        shape=arguments.shape,
    ).start()
    if arguments.write_metadata:
        Path(arguments.write_metadata).write_text(simulator.metadata_xml, encoding="utf-8")
    assert simulator.pki is not None
    print(
        json.dumps(
            {
                "base_url": simulator.base_url,
                "metadata_url": simulator.base_url + METADATA_PATH,
                "entity_id": simulator.entity_id,
                "ars_url": simulator.ars_url,
                "pki_directory": str(simulator.pki.directory),
            }
        ),
        flush=True,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.digid_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="listen address (loopback only)")
    parser.add_argument("--port", type=int, default=0, help="HTTP port for SSO and metadata (0: ephemeral)")
    parser.add_argument("--ars-port", type=int, default=0, help="HTTPS port for artifact resolution (0: ephemeral)")
    parser.add_argument("--base-url", help="public base URL of the HTTP listener (default http://<host>:<port>)")
    parser.add_argument("--sp-metadata", help="the SP's metadata: a file path or a loopback http(s) URL")
    parser.add_argument("--pki-dir", help="directory for the TEST ONLY keys (reused when present; default: temp)")
    parser.add_argument(
        "--shape", choices=SHAPES, default="logius", help="answers as Logius' examples (default) or as a SAML broker"
    )
    parser.add_argument("--write-metadata", help="also write the IdP metadata to this file")
    return parser


def _metadata_source(location: str) -> str | Callable[[], str]:
    """A file is read now; a URL is fetched when the first login arrives (the SP may start after us)."""
    if not location.startswith(("http://", "https://")):
        return Path(location).read_text(encoding="utf-8")
    if urlsplit(location).hostname not in _LOOPBACK:
        raise SystemExit("--sp-metadata: only loopback URLs are allowed for the simulator")

    def fetch() -> str:
        with urllib.request.urlopen(location, timeout=5) as response:  # noqa: S310 - loopback URL checked above  # nosec B310
            return str(response.read().decode("utf-8"))

    return fetch


if __name__ == "__main__":
    main()
