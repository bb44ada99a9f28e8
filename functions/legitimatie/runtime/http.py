"""HTTP mapping shared by the API handlers: domain errors to ``{error, message}``, JSON bodies, the official.

Responses never carry a stack trace, a BSN, or the input that was refused.
"""

from __future__ import annotations

import hmac
import importlib
import importlib.util
import ipaddress
import json
import os
import re
import sys
from collections.abc import Mapping
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

# ``from <module> import <names>`` at the start of a line (so not under an ``if``); the names in parentheses or not.
_TOP_LEVEL_FROM_IMPORT = re.compile(r"^from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.MULTILINE)


def _without_its_init(name: str) -> None:
    """Let a Powertools package's submodules load without the package's ``__init__``, which imports them all.

    ``aws_lambda_powertools.event_handler``'s ``__init__`` imports every resolver Powertools has (AppSync, Bedrock
    agents, VPC Lattice, ... and with them asyncio): about 40 ms of every cold start, for the one module we use
    (``api_gateway``). ``utilities.data_classes``' imports the data class of every event source (about 30 of them),
    for the five ``api_gateway`` asks it for; ``event_handler.openapi``'s loads the tool that merges OpenAPI
    documents. The package is registered as an empty module with its real ``__path__``, so its submodules import as
    usual; a name its ``__init__`` imports from a submodule is taken from that submodule alone. The first time
    anything asks it for another name, the real ``__init__`` runs in it, so code that wants the whole package still
    gets it.
    """
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not spec.submodule_search_locations or not spec.origin:
        return
    package = importlib.util.module_from_spec(spec)
    loader, origin = spec.loader, spec.origin

    @cache
    def defined_in() -> dict[str, str]:
        """Name: its submodule, from the ``__init__``'s ``from .sub import name`` and ``from <package>.sub import name``
        (read when a name is first asked for: a submodule imported by its full name needs none of this). Read with a
        regular expression, not ``ast.parse``: the api_gateway import asks for names on every cold start, and parsing
        data_classes' ``__init__`` cost ~1 ms of it."""
        with open(origin, encoding="utf-8") as source:  # ``from .alb_event import ALBEvent``: alb_event's
            statements = _TOP_LEVEL_FROM_IMPORT.findall(source.read())
        homes = {}
        for module, names in statements:
            home = module[1:] if module.startswith(".") else module.removeprefix(f"{name}.")
            if home == module or not home or home.startswith("."):  # another package's, or a parent's
                continue
            for alias in re.sub(r"#[^\n]*", "", names).strip("()").split(","):
                imported, _, renamed = alias.strip().partition(" as ")
                if imported:
                    homes[renamed.strip() or imported] = home
        return homes

    def load_on_demand(attribute: str) -> Any:
        home = defined_in().get(attribute)
        if home is not None:
            return getattr(importlib.import_module(f"{name}.{home}"), attribute)
        if importlib.util.find_spec(f"{name}.{attribute}") is not None:
            return importlib.import_module(f"{name}.{attribute}")
        if "__getattr__" in vars(package):  # anything else: the package in full, once
            delattr(package, "__getattr__")
            loader.exec_module(package)
        return object.__getattribute__(package, attribute)

    setattr(package, "__getattr__", load_on_demand)  # noqa: B010 - a module-level __getattr__ (PEP 562)
    sys.modules[name] = package


_without_its_init("aws_lambda_powertools.event_handler")
_without_its_init("aws_lambda_powertools.utilities.data_classes")
_without_its_init("aws_lambda_powertools.event_handler.openapi")  # its __init__ loads the OpenAPI merge tool

import aws_lambda_powertools.event_handler.content_types as content_types  # noqa: E402 - after the lines above, on purpose
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response  # noqa: E402
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402
from aws_lambda_powertools.shared.cookies import Cookie  # noqa: E402

from ..adapters.audit_log import CLIENT_ADDRESS  # noqa: E402
from ..errors import (  # noqa: E402
    Conflict,
    DomainError,
    Expired,
    Forbidden,
    InvalidInput,
    Locked,
    NotAllowed,
    NotFound,
    Unavailable,
)
from ..sessions.model import Official  # noqa: E402
from .observability import logger  # noqa: E402

if TYPE_CHECKING:  # the middlewares package imports event_handler's types, and with them every resolver
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
    from pydantic_core import SchemaValidator

__all__ = [
    "RequestBody",
    "Response",
    "came_through_cloudfront",
    "client_address",
    "content_types",
    "current_official",
    "json_response",
    "new_resolver",
    "parse_body",
]

B = TypeVar("B", bound=Mapping[str, object])  # a TypedDict of the body's fields


class BadRequest(InvalidInput):
    """The body is not JSON at all (as opposed to JSON with wrong fields, which is 422)."""

    code = "bad_request"


# One row per kind of domain error (legitimatie.errors), first match wins: BadRequest before its kind.
_STATUS_OF: list[tuple[type[DomainError], int]] = [
    (BadRequest, 400),
    (InvalidInput, 422),
    (NotFound, 404),
    (Expired, 404),  # the contract: unknown or expired sessions are 404, told apart by the error code
    (Conflict, 409),
    (Locked, 423),
    (Forbidden, 403),
    (Unavailable, 503),
]

_NO_STORE = {"Cache-Control": "no-store"}


def json_response(
    status_code: int,
    body: dict[str, Any],
    headers: dict[str, str] | None = None,
    cookies: list[Cookie] | None = None,
) -> Response[str]:
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, separators=(",", ":")),
        headers={**_NO_STORE, **(headers or {})},
        cookies=cookies,
    )


def error_response(status_code: int, error: str, message: str) -> Response[str]:
    headers = {"Retry-After": "2"} if status_code == 503 else None
    return json_response(status_code, {"error": error, "message": message}, headers)


def status_of(exc: DomainError) -> int:
    for kind, status in _STATUS_OF:
        if isinstance(exc, kind):
            return status
    return 400


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip().strip("[]")))
    except ValueError:
        return None


def client_address(event: dict[str, Any]) -> str | None:
    """The browser's own IP address: CloudFront's ``CloudFront-Viewer-Address`` (``ip:port``), else the TCP peer.

    The API is reachable only through CloudFront (template: execute-api endpoint disabled), whose origin
    request policy adds the header; CloudFront sets it itself, a viewer cannot. Without it (the local stack)
    the peer address API Gateway saw is the client's. Anything that is not an IP address is ignored.
    """
    headers = {str(name).lower(): value for name, value in (event.get("headers") or {}).items()}
    viewer = headers.get("cloudfront-viewer-address")
    if isinstance(viewer, str) and ":" in viewer:
        address = _ip(viewer.rsplit(":", 1)[0])
        if address is not None:
            return address
    source = ((event.get("requestContext") or {}).get("http") or {}).get("sourceIp")
    return _ip(source) if isinstance(source, str) else None


def _log_the_client(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Who called, from where: on every log line and audit event of this request (DigiD norm C.07).

    Log lines already carry the API's ``requestId`` as ``correlation_id`` (observability.py), which joins them to
    the API access log line; that one can only log CloudFront's address.
    Set for the rest of the invocation (the error handlers log after the route returns);
    ``observability.observed`` clears both when the next invocation starts.
    """
    address = client_address(app.current_event.raw_event)
    CLIENT_ADDRESS.set(address)
    logger.append_keys(client_address=address)
    return next_middleware(app)


def _through_cloudfront(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Refuse what did not come through CloudFront (and so its WAF): the API's regional domain is reachable too.

    CloudFront adds ``X-Origin-Verify`` with the deployment's token (``ORIGIN_VERIFY_TOKEN``) to every request it
    forwards (template: ``OriginCustomHeaders``); a viewer cannot set it. Without a token (the local stack, whose
    gateway is the only way in) nothing is checked; the template refuses to deploy without one.
    """
    if not came_through_cloudfront(app.current_event.raw_event):
        logger.warning("Request refused: it did not come through CloudFront")
        return error_response(403, "forbidden", "This address only answers requests through the site.")
    return next_middleware(app)


def came_through_cloudfront(event: dict[str, Any]) -> bool:
    """The event's ``X-Origin-Verify`` header is the deployment's ``ORIGIN_VERIFY_TOKEN`` (HTTP API and WebSocket
    events alike); without a token (the local stack) everything passes."""
    token = os.environ.get("ORIGIN_VERIFY_TOKEN", "")
    if not token:
        return True
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    given = headers.get("x-origin-verify")
    return isinstance(given, str) and hmac.compare_digest(given.encode(), token.encode())


def new_resolver() -> APIGatewayHttpResolver:
    """An HTTP API (payload 2.0) resolver with the service's error mapping registered once."""
    app = APIGatewayHttpResolver()
    app.use(middlewares=[_log_the_client, _through_cloudfront])

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response[str]:
        status = status_of(exc)
        logger.info("Request refused", extra={"error": exc.code, "status": status})
        return error_response(status, exc.code, exc.message)

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response[str]:
        return error_response(404, "not_found", "There is nothing at this address.")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        logger.exception("Unexpected error")
        return error_response(500, "internal_error", "Something went wrong on our side; please try again later.")

    return app


class RequestBody(Generic[B]):
    """A route's JSON body: validated by pydantic's own engine (``pydantic_core.SchemaValidator``) with the core
    schema pydantic generated from the body's model, committed next to the handler (``request_schemas.json``, made
    by infrastructure/deploy/request_schemas.py from ``<function>/request_models.py``). A cold start so loads
    neither pydantic (~55 ms) nor pydantic_core's ``core_schema`` module, only the validator's extension module;
    the model stays the definition (OpenAPI, tests) and tests/unit/test_request_bodies.py holds the two to the same
    answers. ``B`` is the handler's TypedDict of the fields (defaults filled in), the same types as the model's.
    """

    def __init__(self, handler_file: str, model: str) -> None:
        self.schemas = os.path.join(os.path.dirname(handler_file), "request_schemas.json")
        self.model = model

    @cached_property
    def validator(self) -> SchemaValidator:
        """Built on the first request that has a body to validate, once per execution environment."""
        with open(self.schemas, encoding="utf-8") as file:
            entry = json.load(file)[self.model]
        _without_its_init("pydantic_core")  # its __init__ imports core_schema, the types of every schema (~16 ms)
        from pydantic_core import SchemaValidator

        return SchemaValidator(entry["schema"], entry["config"])

    def validate(self, data: dict[str, Any]) -> B:
        """The body's fields; InvalidInput naming the fields that are not what the model allows."""
        validator = self.validator  # loads pydantic_core: the name below is its ValidationError
        from pydantic_core import ValidationError

        try:
            fields, _extra, _fields_set = validator.validate_python(data)
        except ValidationError as exc:
            # Only where, never the refused input (it may be a BSN). Without the errors' documentation links: making
            # them imports pydantic, for its version.
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
            where = ", ".join(".".join(str(p) for p in error["loc"]) or "body" for error in errors)
            raise InvalidInput(f"The request has invalid or missing fields: {where}.") from None
        return cast(B, fields)


def parse_body(app: APIGatewayHttpResolver, body: RequestBody[B]) -> B:
    """The JSON body's fields; malformed JSON or a wrong shape is a clear 400/422."""
    try:
        raw = app.current_event.decoded_body or ""  # bytes that are not UTF-8 fail here (found by the API fuzz test)
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    except RecursionError:  # JSON nested deeper than the parser's stack: bad input, not our failure
        raise BadRequest("The request body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body.validate(data)


def _groups(raw: object) -> frozenset[str]:
    """API Gateway renders a JWT array claim as the string ``[a b]``; tests may pass a real list."""
    if isinstance(raw, list):
        return frozenset(str(item) for item in raw)
    if isinstance(raw, str):
        return frozenset(raw.strip("[]").split())
    return frozenset()


def current_official(app: APIGatewayHttpResolver) -> Official:
    """The official from the claims the JWT authorizer validated.

    The name residents, proofs and the audit trail show comes only from the ``name`` claim, an attribute the
    official cannot change (the template's app client does not let them write it); a token without a subject
    or without a name is refused, never shown as a user id."""
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    subject, name = claims.get("sub"), claims.get("name")
    if not isinstance(subject, str) or not subject.strip():
        raise NotAllowed("This request has no valid staff login.")
    if not isinstance(name, str) or not name.strip():
        raise NotAllowed("This staff login carries no name; ask the administrator to set it.")
    return Official(id=subject, name=name.strip(), groups=_groups(claims.get("cognito:groups")))
