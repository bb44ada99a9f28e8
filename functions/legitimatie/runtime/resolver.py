"""The API functions' resolver for HTTP API events (payload 2.0): routes, middlewares, exception handlers, one answer
shape.

It does what Powertools' ``APIGatewayHttpResolver`` did for these functions, and no more: that module imports the
OpenAPI layer (its configuration dataclass, types and exceptions), the data classes of five proxy events and their
helpers, about 33 M instructions (~7 ms) of every API function's cold start (issue 13), for a small part of it. The
behaviour is Powertools' (the API and fuzz tests pin it):

- a route's ``<name>`` segments match what Powertools matches (word characters and the URI characters it allows),
  against the path without the stage; routes without parameters are tried first;
- the middlewares run, in the order given, around the route and around the not-found handler alike;
- an exception goes to the handler of the nearest class in its MRO that has one, else it is raised;
- a ``bytes`` body is sent base64-encoded; headers with a list of values are joined by ``", "``; cookies go in the
  answer's ``cookies``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from aws_lambda_powertools.shared.cookies import Cookie

__all__ = ["HttpEvent", "NextMiddleware", "Resolver", "Response"]

T = TypeVar("T", str, bytes)
E = TypeVar("E", bound=Exception)
Route = Callable[..., "Response[Any]"]
NextMiddleware = Callable[["Resolver"], "Response[Any]"]
Middleware = Callable[["Resolver", NextMiddleware], "Response[Any]"]
ExceptionHandler = Callable[[E], "Response[Any]"]

# A path parameter, as Powertools matches it: word characters and the URI characters API Gateway passes on.
_PARAMETER = re.compile(r"<(\w+)>")
_PARAMETER_VALUE = r"[-._~()'!*:@,;=+&$%<> \[\]{}|^\w]+"


class Response(Generic[T]):
    """What a route answers: the status, a body (``bytes`` are sent base64-encoded), headers and cookies."""

    def __init__(
        self,
        status_code: int,
        content_type: str | None = None,
        body: T | None = None,
        headers: Mapping[str, str | list[str]] | None = None,
        cookies: list[Cookie] | None = None,
    ) -> None:
        self.status_code = status_code
        self.body: T | None = body
        self.headers: dict[str, str | list[str]] = dict(headers) if headers else {}
        self.cookies = cookies or []
        if content_type:
            self.headers.setdefault("Content-Type", content_type)

    def to_http_api(self) -> dict[str, Any]:
        """The answer in HTTP API's payload 2.0 format."""
        body: str | bytes | None = self.body
        encoded = isinstance(body, bytes)
        if isinstance(body, bytes):
            body = base64.b64encode(body).decode()
        headers = {name: value if isinstance(value, str) else ", ".join(value) for name, value in self.headers.items()}
        return {
            "statusCode": self.status_code,
            "body": body,
            "isBase64Encoded": encoded,
            "headers": headers,
            "cookies": [str(cookie) for cookie in self.cookies],
        }


class HttpEvent:
    """The request as the routes read it, under the names Powertools' ``APIGatewayProxyEventV2`` gives them."""

    def __init__(self, raw_event: dict[str, Any]) -> None:
        self.raw_event = raw_event

    @property
    def http_method(self) -> str:
        return str(self.raw_event["requestContext"]["http"]["method"]).upper()

    @property
    def path(self) -> str:
        """The path without the stage (a named stage is its first segment; ``$default`` has none)."""
        path = str(self.raw_event["rawPath"])
        stage = self.raw_event["requestContext"].get("stage", "$default")
        return path if stage == "$default" else path[len("/" + stage) :]

    @cached_property
    def decoded_body(self) -> str | None:
        """The body as text (base64 decoded when API Gateway encoded it); bytes that are not UTF-8 raise."""
        body: str | None = self.raw_event.get("body")
        if self.raw_event.get("isBase64Encoded") and body:
            return base64.b64decode(body.encode()).decode()
        return body

    @property
    def cookies(self) -> list[str]:
        return list(self.raw_event.get("cookies") or [])

    def get_query_string_value(self, name: str, default_value: str | None = None) -> str | None:
        return (self.raw_event.get("queryStringParameters") or {}).get(name, default_value)

    @property
    def jwt_claims(self) -> dict[str, Any]:
        """The claims the JWT authorizer validated; empty without one."""
        authorizer = self.raw_event["requestContext"].get("authorizer") or {}
        return dict((authorizer.get("jwt") or {}).get("claims") or {})


class Resolver:
    """Routes registered with ``get``/``post``/``delete``, ``use``'s middlewares, and the handlers of exceptions and of
    paths without a route; ``resolve`` answers one event."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Route, bool]] = []
        self._middlewares: list[Middleware] = []
        self._exception_handlers: dict[type[Exception], Callable[[Any], Response[Any]]] = {}
        self._not_found: Callable[[], Response[Any]] | None = None
        self._event: HttpEvent | None = None

    @property
    def current_event(self) -> HttpEvent:
        if self._event is None:
            raise RuntimeError("current_event is read outside a request")
        return self._event

    def route(self, rule: str, method: str) -> Callable[[Route], Route]:
        pattern = re.compile("^" + _PARAMETER.sub(lambda name: f"(?P<{name[1]}>{_PARAMETER_VALUE})", rule) + "$")

        def register(function: Route) -> Route:
            self._routes.append((method.upper(), pattern, function, _PARAMETER.search(rule) is not None))
            self._routes.sort(key=lambda entry: entry[3])  # stable: routes without parameters first, in order given
            return function

        return register

    def get(self, rule: str) -> Callable[[Route], Route]:
        return self.route(rule, "GET")

    def post(self, rule: str) -> Callable[[Route], Route]:
        return self.route(rule, "POST")

    def delete(self, rule: str) -> Callable[[Route], Route]:
        return self.route(rule, "DELETE")

    def use(self, middlewares: list[Middleware]) -> None:
        self._middlewares.extend(middlewares)

    def exception_handler(
        self, kind: type[E]
    ) -> Callable[[Callable[[E], Response[Any]]], Callable[[E], Response[Any]]]:
        def register(handler: Callable[[E], Response[Any]]) -> Callable[[E], Response[Any]]:
            self._exception_handlers[kind] = handler
            return handler

        return register

    def not_found(self, handler: Callable[[], Response[Any]]) -> Callable[[], Response[Any]]:
        self._not_found = handler
        return handler

    def resolve(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """The answer to one HTTP API event; ``current_event`` is that event while it is answered."""
        self._event = HttpEvent(event)
        try:
            return self._answer().to_http_api()
        finally:
            self._event = None

    def _answer(self) -> Response[Any]:
        event = self.current_event
        method, path = event.http_method, event.path
        call: NextMiddleware = self._not_found_route
        for route_method, pattern, function, _ in self._routes:
            match = pattern.match(path) if route_method == method else None
            if match is not None:
                call = _calling(function, match.groupdict())
                break
        for middleware in reversed(self._middlewares):
            call = _around(middleware, call)
        try:
            return call(self)
        except Exception as exc:
            for kind in type(exc).__mro__:
                handler = self._exception_handlers.get(kind)
                if handler is not None:
                    return handler(exc)
            raise

    def _not_found_route(self, _app: Resolver) -> Response[Any]:
        if self._not_found is None:
            return Response(404, "application/json", '{"statusCode":404,"message":"Not found"}')
        return self._not_found()


def _calling(function: Route, arguments: dict[str, str]) -> NextMiddleware:
    return lambda _app: function(**arguments)


def _around(middleware: Middleware, next_middleware: NextMiddleware) -> NextMiddleware:
    return lambda app: middleware(app, next_middleware)
