"""HTTP mapping shared by the API handlers: domain errors to ``{error, message}``, JSON bodies, the official.

Responses never carry a stack trace, a BSN, or the input that was refused.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from typing import Any, TypeVar


def _event_handler_without_its_init() -> None:
    """Let ``aws_lambda_powertools.event_handler``'s submodules load without the package's ``__init__``.

    That ``__init__`` imports every resolver Powertools has (AppSync, AppSync events, Bedrock agents, VPC Lattice,
    Lambda function URLs, ... and with them asyncio): about 40 ms of every cold start, for the one module we use
    (``api_gateway``). The package is registered as an empty module with its real ``__path__``, so its submodules
    import as usual. The first time anything asks it for a name that is not a submodule, the real ``__init__``
    runs in it, so code that wants the whole package still gets it.
    """
    name = "aws_lambda_powertools.event_handler"
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def load_on_demand(attribute: str) -> Any:
        if importlib.util.find_spec(f"{name}.{attribute}") is not None:
            return importlib.import_module(f"{name}.{attribute}")
        if "__getattr__" in vars(package):  # anything else: the package in full, once
            delattr(package, "__getattr__")
            loader.exec_module(package)
        return object.__getattribute__(package, attribute)

    setattr(package, "__getattr__", load_on_demand)  # noqa: B010 - a module-level __getattr__ (PEP 562)
    sys.modules[name] = package


_event_handler_without_its_init()

from aws_lambda_powertools.event_handler import content_types  # noqa: E402 - after the line above, on purpose
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response  # noqa: E402
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402
from aws_lambda_powertools.shared.cookies import Cookie  # noqa: E402
from pydantic import BaseModel, ValidationError  # noqa: E402

from ..errors import (  # noqa: E402
    AlreadyLoggedIn,
    ConcurrentUpdate,
    DomainError,
    InvalidInput,
    LevelTooLow,
    NotAllowed,
    NotVerified,
    ServiceUnavailable,
    SessionEnded,
    SessionExpired,
    SessionLocked,
    SessionNotFound,
    WrongState,
)
from ..session import Official  # noqa: E402
from .observability import logger  # noqa: E402

__all__ = ["Response", "content_types", "current_official", "json_response", "new_resolver", "parse_body"]

M = TypeVar("M", bound=BaseModel)


class BadRequest(InvalidInput):
    """The body is not JSON at all (as opposed to JSON with wrong fields, which is 422)."""

    code = "bad_request"


_STATUS_OF: list[tuple[type[DomainError], int]] = [
    (BadRequest, 400),
    (InvalidInput, 422),
    (SessionNotFound, 404),
    (SessionExpired, 404),  # the contract: unknown or expired sessions are 404, told apart by the error code
    (SessionLocked, 423),
    (SessionEnded, 409),
    (WrongState, 409),
    (NotVerified, 409),
    (AlreadyLoggedIn, 409),
    (ConcurrentUpdate, 409),
    (LevelTooLow, 403),
    (NotAllowed, 403),
    (ServiceUnavailable, 503),
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


def new_resolver() -> APIGatewayHttpResolver:
    """An HTTP API (payload 2.0) resolver with the service's error mapping registered once."""
    app = APIGatewayHttpResolver()

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response[str]:
        status = status_of(exc)
        logger.info("Request refused", extra={"error": exc.code, "status": status})
        return error_response(status, exc.code, exc.message)

    @app.exception_handler(ValidationError)
    def _invalid_body(exc: ValidationError) -> Response[str]:
        # Only where and what, never the refused input (it may be a BSN).
        fields = ", ".join(".".join(str(p) for p in error["loc"]) or "body" for error in exc.errors())
        return error_response(422, "invalid_request", f"The request has invalid or missing fields: {fields}.")

    @app.not_found
    def _not_found(exc: NotFoundError) -> Response[str]:
        return error_response(404, "not_found", "There is nothing at this address.")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        logger.exception("Unexpected error")
        return error_response(500, "internal_error", "Something went wrong on our side; please try again later.")

    return app


def parse_body(app: APIGatewayHttpResolver, model: type[M]) -> M:
    """The JSON body as a request model; malformed JSON or a wrong shape is a clear 400/422."""
    try:
        raw = app.current_event.decoded_body or ""  # bytes that are not UTF-8 fail here (found by the API fuzz test)
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    except RecursionError:  # JSON nested deeper than the parser's stack: bad input, not our failure
        raise BadRequest("The request body is nested too deeply.") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    return model.model_validate(data)


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
