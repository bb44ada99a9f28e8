"""A small ZGW case system for tests: zaken, rollen, documents and relations in memory, over real HTTP.

It checks what Open Zaak checks: the JWT (HS256 with the shared secret, the claims ZGW asks for), the required
headers and every request against the OpenAPI specifications (``openapi.validate_request``); violations are
kept for the test to assert on and answered with 400. Switches make it fail on purpose: ``fail(method, path,
mode)`` with mode ``timeout`` (answers too late), ``500`` or ``400``, once per call to ``fail``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from tests.zgw.openapi import load_spec, specs_available, validate_request

ZAKEN = "/zaken/api/v1"
DOCUMENTEN = "/documenten/api/v1"
CATALOGI = "/catalogi/api/v1"
CLIENT_ID = "legitimatie-test"
SECRET = "a-shared-secret-of-enough-length-for-hs256"


@dataclass
class State:
    zaken: dict[str, dict[str, Any]] = field(default_factory=dict)
    rollen: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    relations: dict[str, dict[str, Any]] = field(default_factory=dict)
    statussen: dict[str, dict[str, Any]] = field(default_factory=dict)
    resultaten: dict[str, dict[str, Any]] = field(default_factory=dict)
    catalogue: dict[str, dict[str, Any]] = field(default_factory=dict)  # "/zaaktypen/<uuid>" -> object
    violations: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    slow_seconds: float = 2.0
    late: int = 0  # requests answered too late that are still being carried out
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeCaseSystem:
    def __init__(self) -> None:
        if specs_available():  # parse the large YAML files now, not inside the first request's timeout
            load_spec("zaken")
            load_spec("documenten")
            load_spec("catalogi")
        self.state = State()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self.state))
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.publish_catalogue()

    def _type_url(self, collection: str) -> str:
        return f"{self.base}{CATALOGI}/{collection}/{uuid.uuid4()}"

    def publish_catalogue(self, **changes: Any) -> None:
        """A published zaaktype with an initiator roltype, the proof's informatieobjecttype, a statustype and a
        resultaattype, all linked; ``changes`` overrides fields per type, e.g. ``zaaktype={"concept": True}``."""
        self.zaaktype = self._type_url("zaaktypen")
        self.roltype = self._type_url("roltypen")
        self.informatieobjecttype = self._type_url("informatieobjecttypen")
        self.statustype = self._type_url("statustypen")
        self.resultaattype = self._type_url("resultaattypen")
        objects = {
            "zaaktype": {
                "url": self.zaaktype,
                "concept": False,
                "informatieobjecttypen": [self.informatieobjecttype],
                "roltypen": [self.roltype],
                "statustypen": [self.statustype],
                "resultaattypen": [self.resultaattype],
            },
            "roltype": {"url": self.roltype, "zaaktype": self.zaaktype, "omschrijvingGeneriek": "initiator"},
            "informatieobjecttype": {"url": self.informatieobjecttype, "concept": False, "zaaktypen": [self.zaaktype]},
            "statustype": {"url": self.statustype, "zaaktype": self.zaaktype, "volgnummer": 1},
            "resultaattype": {"url": self.resultaattype, "zaaktype": self.zaaktype},
        }
        with self.state.lock:
            self.state.catalogue.clear()
            for kind, item in objects.items():
                item.update(changes.get(kind, {}))
                self.state.catalogue[item["url"].removeprefix(self.base + CATALOGI)] = item

    @property
    def zaken_api(self) -> str:
        return self.base + ZAKEN

    @property
    def documenten_api(self) -> str:
        return self.base + DOCUMENTEN

    def fail(self, method: str, path: str, mode: str, times: int = 1) -> None:
        """Make the next ``times`` requests to ``method path`` (e.g. POST /zaken) fail with ``mode``."""
        with self.state.lock:
            self.state.failures += [(method, path, mode)] * times

    def wait_until_caught_up(self, seconds: float = 10) -> None:
        """Wait until every request answered too late has been carried out, as a redelivery after SQS's visibility
        timeout finds it (the real queue waits minutes; the tests redeliver at once)."""
        deadline = time.monotonic() + seconds
        while self.state.late and time.monotonic() < deadline:
            time.sleep(0.05)

    def start(self) -> FakeCaseSystem:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def running_case_system() -> Iterator[FakeCaseSystem]:
    system = FakeCaseSystem().start()
    try:
        yield system
    finally:
        system.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: State

    def log_message(self, format: str, *args: Any) -> None:  # quiet: URLs could carry test data
        pass

    def _answer(self, status: int, body: Any) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def _route(self) -> tuple[str, str, str]:
        path = urlsplit(self.path).path
        for api, base in (("zaken", ZAKEN), ("documenten", DOCUMENTEN), ("catalogi", CATALOGI)):
            if path.startswith(base):
                return api, base, path[len(base) :].rstrip("/")
        return "", "", path

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        api, base, resource = self._route()
        with self.state.lock:
            self.state.requests.append((method, resource))
            failure = next((f for f in self.state.failures if f[0] == method and f[1] == resource), None)
            if failure:
                self.state.failures.remove(failure)
        if failure and failure[2] == "timeout":
            with self.state.lock:
                self.state.late += 1
            try:
                time.sleep(self.state.slow_seconds)
                self._carry_out(method, api, base, resource, body)
            finally:
                with self.state.lock:
                    self.state.late -= 1
            return
        if failure:
            self._answer(int(failure[2]), {"title": "Fout op verzoek van de test", "status": int(failure[2])})
            return
        self._carry_out(method, api, base, resource, body)

    def _carry_out(self, method: str, api: str, base: str, resource: str, body: bytes | None) -> None:
        if not api:
            self._answer(404, {"title": "Niet gevonden"})
            return
        if not self._authorized():
            self._answer(403, {"title": "Niet geautoriseerd"})
            return
        problems = validate_request(api, method, self.path, dict(self.headers.items()), body, base)
        if problems:
            with self.state.lock:
                self.state.violations += problems
            self._answer(400, {"title": "Ongeldige request", "invalidParams": problems})
            return
        self._serve(method, resource, json.loads(body) if body else None)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        try:
            claims = jwt.decode(header.removeprefix("Bearer "), SECRET, algorithms=["HS256"])
        except jwt.PyJWTError:
            return False
        return claims.get("client_id") == CLIENT_ID == claims.get("iss") and all(
            claims.get(name) for name in ("iat", "user_id", "user_representation")
        )

    def _serve(self, method: str, resource: str, body: Any) -> None:
        query = {key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()}
        if self.path.startswith(CATALOGI):
            with self.state.lock:
                item = self.state.catalogue.get(resource)
            self._answer(200, item) if item and method == "GET" else self._answer(404, {"title": "Niet gevonden"})
            return
        collections = {
            "/zaken": (self.state.zaken, ZAKEN),
            "/rollen": (self.state.rollen, ZAKEN),
            "/statussen": (self.state.statussen, ZAKEN),
            "/resultaten": (self.state.resultaten, ZAKEN),
            "/zaakinformatieobjecten": (self.state.relations, ZAKEN),
            "/enkelvoudiginformatieobjecten": (self.state.documents, DOCUMENTEN),
        }
        if resource not in collections:
            self._answer(404, {"title": "Niet gevonden"})
            return
        store, base = collections[resource]
        with self.state.lock:
            if method == "GET":
                found = [item for item in store.values() if all(str(item.get(k)) == v for k, v in query.items())]
                page = (
                    found
                    if resource == "/zaakinformatieobjecten"
                    else {"count": len(found), "next": None, "previous": None, "results": found}
                )
                self._answer(200, page)
                return
            identifier = str(uuid.uuid4())
            url = f"http://{self.headers['Host']}{base}{resource}/{identifier}"
            item = {**body, "url": url, "uuid": identifier}
            if resource == "/zaken" and any(
                z["identificatie"] == body.get("identificatie") and z["bronorganisatie"] == body.get("bronorganisatie")
                for z in store.values()
            ):
                self._answer(400, {"title": "identificatie bestaat al"})
                return
            store[identifier] = item
        self._answer(201, item)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


def _handler_for(state: State) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"state": state})
