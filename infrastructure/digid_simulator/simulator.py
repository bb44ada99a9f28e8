"""The DigiD simulator as a running service: an HTTP listener for single sign-on and a mutual-TLS listener for
artifact resolution, both on loopback, in background threads. Never deployed; for tests and the local stack.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Final
from urllib.parse import parse_qs, urlsplit

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from .idp import ArtifactAnswer, DigidIdp, LoginRequest, RequestRefused, Shape
from .pages import STYLESHEET, error_page, login_page
from .pki import TestPki, generate_test_pki

__all__ = ["DigidSimulator"]

_log = logging.getLogger(__name__)

SSO_PATH: Final = "/saml/idp/sso"
LOGIN_PATH: Final = "/saml/idp/login"
METADATA_PATH: Final = "/saml/idp/metadata"
ARS_PATH: Final = "/saml/idp/resolve_artifact"
_MAX_BODY_BYTES: Final = 256 * 1024
_HANDSHAKE_TIMEOUT_SECONDS: Final = 10.0
_HTML_HEADERS: Final = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}

SpMetadataSource = str | Callable[[], str]


class DigidSimulator:
    """A DigiD look-alike on 127.0.0.1. ``start()`` binds (port 0: an ephemeral port) and returns ``self``.

    After ``start()``: ``base_url``, ``entity_id``, ``metadata_xml`` (the IdP metadata to configure the SP with),
    ``ars_url`` (https, client certificate from the test CA required) and ``pki`` (the test PKI's files).
    The SP metadata may be given now (XML text, or a callable returning it, called when first needed) or later
    with ``load_sp_metadata``. ``shape`` is how it answers: ``"logius"`` (default, Logius' example messages, no
    Destination on the Response) or ``"broker"`` (with Destination); ``simulator.shape`` changes it while running.
    Test hooks (``issue_artifact``, ``create_response``, ``sign_assertion``) are
    methods only, never HTTP endpoints.
    """

    def __init__(
        self,
        sp_metadata_xml: SpMetadataSource | None = None,
        *,
        pki: TestPki | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ars_port: int = 0,
        base_url: str | None = None,
        artifact_lifetime_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        shape: Shape = "logius",
    ) -> None:
        self._shape: Shape = shape
        self._sp_metadata_source = sp_metadata_xml
        self._given_pki = pki
        self._host = host
        self._port = port
        self._ars_port = ars_port
        self._public_base_url = base_url.rstrip("/") if base_url else None
        self._artifact_lifetime = artifact_lifetime_seconds
        self._clock = clock
        self._temporary_pki: tempfile.TemporaryDirectory[str] | None = None
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._metadata_lock = threading.Lock()
        self._idp: DigidIdp | None = None
        self.base_url = ""
        self.ars_url = ""
        self.pki: TestPki | None = pki

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> DigidSimulator:
        """Generate the test PKI if none was given, bind both listeners and serve them in daemon threads."""
        if self._idp is not None:
            raise RuntimeError("the simulator is already running")
        pki = self._given_pki or self._generate_pki()
        self.pki = pki
        sso_server = _Server((self._host, self._port), _SsoHandler)
        ars_server = _MutualTlsServer((self._host, self._ars_port), _ArsHandler, _server_tls_context(pki))
        self._servers = [sso_server, ars_server]
        for server in self._servers:
            server.daemon_threads = True
            server.simulator = self  # type: ignore[attr-defined]
        self.base_url = self._public_base_url or f"http://{self._host}:{sso_server.server_address[1]}"
        self.ars_url = f"https://{self._host}:{ars_server.server_address[1]}{ARS_PATH}"
        self._idp = DigidIdp(
            entity_id=self.base_url + METADATA_PATH,
            sso_url=self.base_url + SSO_PATH,
            ars_url=self.ars_url,
            pki=pki,
            artifact_lifetime_seconds=self._artifact_lifetime,
            clock=self._clock,
            shape=self._shape,
        )
        if isinstance(self._sp_metadata_source, str):
            self._idp.load_sp_metadata(self._sp_metadata_source)
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, name="digid-simulator", daemon=True)
            thread.start()
            self._threads.append(thread)
        _log.info("DigiD simulator listening on %s (artifact resolution %s)", self.base_url, self.ars_url)
        return self

    def stop(self) -> None:
        """Stop both listeners and remove a generated PKI."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads, self._idp = [], [], None
        if self._temporary_pki is not None:
            self._temporary_pki.cleanup()
            self._temporary_pki = None

    def __enter__(self) -> DigidSimulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _generate_pki(self) -> TestPki:
        self._temporary_pki = tempfile.TemporaryDirectory(prefix="digid-simulator-pki-")
        return generate_test_pki(Path(self._temporary_pki.name))

    # ------------------------------------------------------------------ facts and hooks

    @property
    def idp(self) -> DigidIdp:
        """The SAML core, for test hooks (``issue_artifact``, ``create_response``, ``sign_assertion``)."""
        if self._idp is None:
            raise RuntimeError("start the simulator first")
        return self._idp

    @property
    def entity_id(self) -> str:
        return self.idp.entity_id

    @property
    def shape(self) -> Shape:
        """How the answers look: ``"logius"`` (DigiD's own) or ``"broker"`` (with Destination)."""
        return self._idp.shape if self._idp is not None else self._shape

    @shape.setter
    def shape(self, shape: Shape) -> None:
        if self._idp is not None:
            self._idp.shape = shape
        self._shape = shape

    @property
    def metadata_xml(self) -> str:
        return self.idp.metadata_xml

    def load_sp_metadata(self, sp_metadata_xml: str) -> None:
        """Trust (another version of) the SP's metadata."""
        self.idp.load_sp_metadata(sp_metadata_xml)

    def issue_artifact(
        self, message_xml: str | None, *, sp_entity_id: str | None = None, answer: ArtifactAnswer | None = None
    ) -> str:
        """Test hook: an artifact that resolves to ``message_xml`` (any XML, signed or not)."""
        return self.idp.issue_artifact(message_xml, sp_entity_id=sp_entity_id, answer=answer)

    def create_response(self, login: LoginRequest, *, bsn: str, level: str, sign_assertion: bool = True) -> str:
        """Test hook: the success Response the simulator would send, as XML, to edit before ``issue_artifact``."""
        return self.idp.create_response(login, bsn=bsn, level=level, sign_assertion=sign_assertion)

    def sign_assertion(self, response_xml: str, *, key_file: str | None = None, **algorithms: str) -> str:
        """Test hook: (re)sign the assertions in a Response with the IdP's key or another ``key_file``; ``sign_alg``
        and ``digest_alg`` choose other algorithms."""
        return self.idp.sign_assertion(response_xml, key_file=key_file, **algorithms)

    def ensure_sp_metadata(self) -> bool:
        """Load the SP metadata from its source when that was deferred; False when it is not available."""
        with self._metadata_lock:
            if self.idp.knows_sp:
                return True
            if not callable(self._sp_metadata_source):
                return False
            try:
                self.idp.load_sp_metadata(self._sp_metadata_source())
            except Exception as exc:  # the SP may not be up yet: try again on the next request
                _log.warning("SP metadata not available yet: %s", type(exc).__name__)
                return False
            return True


class _Server(ThreadingHTTPServer):
    """A listen backlog that holds a few hundred residents arriving at once (socketserver's default is 5)."""

    request_queue_size = 1024


class _MutualTlsServer(_Server):
    """HTTPS that requires a client certificate from the test CA; the handshake runs in the request's thread."""

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext):
        super().__init__(address, handler)
        self._handler = handler
        self._tls = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(_HANDSHAKE_TIMEOUT_SECONDS)
        try:
            tls_socket = self._tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            _log.info("artifact resolution: TLS handshake refused (%s)", type(exc).__name__)
            return
        try:
            self._handler(tls_socket, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                tls_socket.shutdown(socket.SHUT_RDWR)
            tls_socket.close()


def _server_tls_context(pki: TestPki) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca_cert))
    context.load_cert_chain(str(pki.idp_tls_cert), str(pki.idp_tls_key))
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _Handler(BaseHTTPRequestHandler):
    server_version = "DigiD-simulator"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    @property
    def simulator(self) -> DigidSimulator:
        return self.server.simulator  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        # Only method and path: query strings and bodies carry SAML messages and BSNs.
        _log.debug("%s %s", self.command, urlsplit(self.path).path)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY_BYTES:
            raise ValueError("request body too large")
        return self.rfile.read(length)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _html(self, status: int, page: str) -> None:
        self._send(status, page.encode("utf-8"), _HTML_HEADERS)

    def _redirect(self, location: str) -> None:
        self._send(HTTPStatus.SEE_OTHER, b"", {"Location": location, "Cache-Control": "no-store"})


class _SsoHandler(_Handler):
    """Metadata, the SSO endpoint (Redirect and POST binding) and the login form."""

    routes: ClassVar[dict[tuple[str, str], str]] = {
        ("GET", METADATA_PATH): "_metadata",
        ("GET", "/simulator.css"): "_stylesheet",
        ("GET", SSO_PATH): "_sso_redirect",
        ("POST", SSO_PATH): "_sso_post",
        ("POST", LOGIN_PATH): "_login",
    }

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        route = self.routes.get((self.command, urlsplit(self.path).path))
        if route is None:
            self._html(HTTPStatus.NOT_FOUND, error_page("Niet gevonden", "Deze pagina bestaat niet."))
            return
        try:
            getattr(self, route)()
        except ValueError:  # a body that is too large or a Content-Length that is not a number
            self._html(HTTPStatus.BAD_REQUEST, error_page("Ongeldig verzoek", "Dit verzoek kan niet worden gelezen."))

    def _metadata(self) -> None:
        body = self.simulator.metadata_xml.encode("utf-8")
        self._send(HTTPStatus.OK, body, {"Content-Type": "application/samlmetadata+xml"})

    def _stylesheet(self) -> None:
        self._send(HTTPStatus.OK, STYLESHEET.encode("utf-8"), {"Content-Type": "text/css; charset=utf-8"})

    def _sso_redirect(self) -> None:
        query = _single_values(urlsplit(self.path).query)
        self._receive(
            BINDING_HTTP_REDIRECT,
            query.get("SAMLRequest", ""),
            query.get("RelayState"),
            query.get("SigAlg"),
            query.get("Signature"),
        )

    def _sso_post(self) -> None:
        form = _single_values(self._body().decode("ascii", errors="replace"))
        self._receive(BINDING_HTTP_POST, form.get("SAMLRequest", ""), form.get("RelayState"), None, None)

    def _receive(
        self, binding: str, saml_request: str, relay_state: str | None, sig_alg: str | None, signature: str | None
    ) -> None:
        if not self.simulator.ensure_sp_metadata():
            self._html(HTTPStatus.SERVICE_UNAVAILABLE, error_page("Niet beschikbaar", "De SP-metadata ontbreekt."))
            return
        try:
            token, login = self.simulator.idp.receive_authn_request(
                binding, saml_request, relay_state, sig_alg, signature
            )
        except RequestRefused:
            self._html(
                HTTPStatus.BAD_REQUEST,
                error_page(
                    "Verzoek geweigerd (Requester / RequestDenied)",
                    "Het AuthnRequest is niet (correct) ondertekend door een bekende dienstverlener.",
                ),
            )
            return
        self._html(HTTPStatus.OK, login_page(LOGIN_PATH, token, login))

    def _login(self) -> None:
        form = _single_values(self._body().decode("utf-8", errors="replace"))
        token, action = form.get("token", ""), form.get("action", "")
        bsn, level = form.get("bsn", "").strip(), form.get("loa", "")
        login = self.simulator.idp.pending(token)
        if login is None or action not in ("login", "cancel"):
            unknown = error_page("Sessie onbekend", "Dit inlogverzoek is onbekend of al gebruikt.")
            self._html(HTTPStatus.BAD_REQUEST, unknown)
            return
        try:
            location = self.simulator.idp.finish_login(token, action=action, bsn=bsn, level=level)
        except ValueError as exc:
            problem = "Vul een geldig BSN in (9 cijfers, elfproef)." if str(exc) == "bsn" else "Kies een niveau."
            self._html(HTTPStatus.BAD_REQUEST, login_page(LOGIN_PATH, token, login, error=problem))
            return
        if location is None:
            self._html(HTTPStatus.BAD_REQUEST, error_page("Sessie onbekend", "Dit inlogverzoek is al gebruikt."))
            return
        self._redirect(location)


class _ArsHandler(_Handler):
    """The ArtifactResolutionService: SOAP over mutual TLS."""

    def do_POST(self) -> None:
        if urlsplit(self.path).path != ARS_PATH:
            self._send(HTTPStatus.NOT_FOUND, b"", {})
            return
        try:
            answer = self.simulator.idp.resolve(self._body())
        except (RequestRefused, ValueError) as exc:
            _log.info("artifact resolution refused: %s", type(exc).__name__)
            self._send(HTTPStatus.BAD_REQUEST, b"", {})
            return
        self._send(HTTPStatus.OK, answer, {"Content-Type": "text/xml; charset=utf-8"})


def _single_values(query: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(query, keep_blank_values=True).items()}
