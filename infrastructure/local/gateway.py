"""One origin, as CloudFront gives it: the HttpApi routes under /api/* and /digid/*, the static site elsewhere.

``Gateway`` is the logic (request in, response out, no sockets) so it can be tested directly; ``GatewayServer``
puts it on a port with ``http.server``.
"""

from __future__ import annotations

import base64
import errno
import logging
import secrets
import threading
import uuid
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .authorizer import AuthorizationDenied, JwtAuthorizer
from .events import HttpRequest, HttpResponse, InvalidLambdaResponse, build_event, to_http_response
from .lambdas import FunctionRuntime, ProcessPool, RouteTable
from .live import LiveApi
from .local_routes import LocalRoutes
from .site import ResponseHeadersPolicy, StaticSite

__all__ = ["Gateway", "GatewayServer", "PortInUse"]

log = logging.getLogger("infrastructure.local.gateway")

_INTERNAL_ERROR = {"error": "internal_error", "message": "Internal Server Error"}


class PortInUse(RuntimeError):
    """The gateway's port is taken (often: the local stack is already running)."""


class Gateway:
    """Routes a request to a function (through the JWT authorizer where the route has one) or to the site."""

    def __init__(
        self,
        routes: RouteTable,
        runtimes: Mapping[str, FunctionRuntime | ProcessPool],
        authorizers: Mapping[str, JwtAuthorizer],
        site: StaticSite,
        headers_policy: ResponseHeadersPolicy,
        *,
        api_id: str,
        region: str,
        account_id: str,
        local_routes: LocalRoutes | None = None,
        live: LiveApi | None = None,
    ) -> None:
        self._routes = routes
        self._runtimes = runtimes
        self._authorizers = authorizers
        self._site = site
        self._headers_policy = headers_policy
        self._api_id = api_id
        self._region = region
        self._account_id = account_id
        self._local_routes = local_routes
        self.live = live

    def invoke(self, function_logical_id: str, event: dict[str, Any]) -> Any:
        return self._runtimes[function_logical_id].invoke(event, str(uuid.uuid4()))

    def handle(self, request: HttpRequest) -> HttpResponse:
        local = self._local_routes.respond(request) if self._local_routes is not None else None
        if local is None and self.live is not None:  # the live status's management API (PostToConnection)
            local = self.live.connections.respond(request.method, request.raw_path, request.body)
        if local is not None:
            response = local
        elif self._routes.is_api_path(request.raw_path):
            response = self._api(request)
            response = self._site.error_page(response.status) or response  # as CloudFront's CustomErrorResponses
        else:
            response = self._site.respond(request.method, request.raw_path)
        response.headers = self._headers_policy.apply(response.headers)
        return response

    def _api(self, request: HttpRequest) -> HttpResponse:
        request_id = base64.b64encode(secrets.token_bytes(10)).decode().rstrip("=")
        response = self._route(request, request_id)
        response.headers.append(("Apigw-Requestid", request_id))
        return response

    def _route(self, request: HttpRequest, request_id: str) -> HttpResponse:
        found = self._routes.find(request.method, request.raw_path)
        if found is None:  # API Gateway: no route for this method and path is a 404, known path or not
            return HttpResponse.json(404, {"error": "not_found", "message": "There is nothing at this address."})
        route, path_parameters = found
        authorization = None
        if route.authorizer is not None:
            try:
                authorizer = self._authorizers[route.authorizer.name]
                authorization = authorizer.authorize(request.lower_headers(), route.scopes)
            except AuthorizationDenied as denied:
                log.info("%s %s refused by %s: %s", request.method, route.path, route.authorizer.name, denied.reason)
                return HttpResponse.json(denied.status, denied.body, [("WWW-Authenticate", denied.www_authenticate)])
        event = build_event(
            request,
            route,
            path_parameters,
            authorization,
            api_id=self._api_id,
            region=self._region,
            account_id=self._account_id,
            request_id=request_id,
        )
        runtime = self._runtimes[route.function.logical_id]
        try:
            return to_http_response(runtime.invoke(event, str(uuid.uuid4())))
        except InvalidLambdaResponse as exc:
            log.error("%s returned an invalid response for %s: %s", route.function.logical_id, route.route_key, exc)
        except Exception:
            # The traceback goes to the stack's stderr only, as it goes to CloudWatch only when deployed.
            log.exception("%s failed on %s", route.function.logical_id, route.route_key)
        return HttpResponse.json(500, _INTERNAL_ERROR)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so every response carries Content-Length
    server_version = "legitimatie-local"
    timeout = 30  # idle keep-alive connections are closed
    server: GatewayServer

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _serve(self) -> None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self._send(HttpResponse.json(411, {"error": "length_required", "message": "Send a Content-Length."}))
            return
        gateway = self.server.gateway
        assert gateway is not None, "serve_in_thread sets the gateway before serving"
        live = gateway.live
        lower = {name.lower(): value for name, value in self.headers.items()}
        if live is not None and live.wants(self.command, self.path.split("?", 1)[0], lower):
            # A WebSocket handshake on a live status path: the connection stays on this thread until it closes.
            head = f"{self.requestline}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in self.headers.items()) + "\r\n"
            live.serve(
                self.connection,
                head.encode("latin-1"),
                self.path,
                list(self.headers.items()),
                self.client_address[0],
                gateway.invoke,
            )
            self.close_connection = True
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = HttpRequest(
            self.command,
            self.path,
            list(self.headers.items()),
            body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        try:
            response = gateway.handle(request)
        except Exception:
            log.exception("The local gateway failed on %s %s", self.command, self.path.split("?", 1)[0])
            response = HttpResponse.json(500, _INTERNAL_ERROR)
        self._send(response)
        if self.server.stopping.is_set():
            self.close_connection = True

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        # The path only: query strings carry SAML artifacts and session ids.
        log.debug("%s %s", self.command, self.path.split("?", 1)[0])

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s %s", self.command, self.path.split("?", 1)[0], code)


class GatewayServer(ThreadingHTTPServer):
    """The gateway on a TCP port of 127.0.0.1; binds in the constructor so a taken port fails early."""

    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of residents got connection resets (issue 13).
    request_queue_size = 1024

    def __init__(self, host: str, port: int) -> None:
        try:
            super().__init__((host, port), _RequestHandler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"Port {port} on {host} is already in use - is the local stack running already? "
                    "Stop it, or start this one with --port <other port>."
                ) from None
            raise
        self.gateway: Gateway | None = None
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def serve_in_thread(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.1}, name="local-gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
        self.server_close()
