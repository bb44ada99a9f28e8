"""The template's functions and HttpApi routes, and running a handler the way Lambda would.

SAM semantics that matter locally: ``Globals.Function`` supplies defaults (CodeUri, MemorySize, Timeout,
Environment.Variables and LoggingConfig merged key by key); Lambda adds the variables of the function's advanced
logging controls (``logging_environment``); an HttpApi event without ``Auth.Authorizer`` uses its API's
``DefaultAuthorizer``; ``NONE`` means no authorizer.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from .template import Resolver, Template, TemplateError

__all__ = [
    "EnvironmentFailed",
    "FunctionRuntime",
    "HandlerModules",
    "JwtAuthorizerConfig",
    "LambdaContext",
    "LambdaFunction",
    "ProcessPool",
    "Route",
    "RouteTable",
    "handler_environment",
    "logging_environment",
    "read_functions",
    "read_routes",
]

_FUNCTION = "AWS::Serverless::Function"
_HTTP_API = "AWS::Serverless::HttpApi"
_THIS_PACKAGE = Path(__file__).resolve().parent.parent
_IMPLICIT_API = "ServerlessHttpApi"  # SAM's name for the API it creates when an event names no ApiId


@dataclass(frozen=True)
class LambdaFunction:
    logical_id: str
    name: str
    arn: str
    handler: str  # module.path.function, relative to code_dir
    code_dir: Path
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    schedules: tuple[str, ...] = ()  # Schedule event expressions, e.g. "rate(15 minutes)" (not run locally)


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def logging_environment(logging_config: Mapping[str, Any]) -> dict[str, str]:
    """The variables Lambda sets for a function's ``LoggingConfig`` (advanced logging controls), which the runtime and
    Powertools' Logger read: ``AWS_LAMBDA_LOG_FORMAT`` (the format) and, with JSON, ``AWS_LAMBDA_LOG_LEVEL`` (the
    application log level, INFO when not set: Lambda's default). Powertools prefers that level over
    ``POWERTOOLS_LOG_LEVEL``, so the local stack runs the logger as Lambda would. None without a LogFormat."""
    log_format = logging_config.get("LogFormat")
    if log_format is None:
        return {}
    variables = {"AWS_LAMBDA_LOG_FORMAT": str(log_format)}
    if log_format == "JSON":
        variables["AWS_LAMBDA_LOG_LEVEL"] = str(logging_config.get("ApplicationLogLevel", "INFO"))
    return variables


def read_functions(template: Template, resolver: Resolver) -> dict[str, LambdaFunction]:
    """Every active ``AWS::Serverless::Function``, with Globals applied and intrinsics resolved."""
    defaults = dict(template.globals.get("Function") or {})
    global_env = dict((defaults.get("Environment") or {}).get("Variables") or {})
    functions: dict[str, LambdaFunction] = {}
    for logical_id, resource in template.resources_of_type(_FUNCTION):
        if not resolver.is_active(logical_id):
            continue
        properties = resource.get("Properties") or {}
        merged = {**defaults, **properties}
        code_uri = merged.get("CodeUri")
        handler = merged.get("Handler")
        if not isinstance(code_uri, str) or not isinstance(handler, str):
            raise TemplateError(f"{logical_id}: the local stack needs a local CodeUri directory and a Handler")
        variables = {**global_env, **((properties.get("Environment") or {}).get("Variables") or {})}
        logging_config = {**(defaults.get("LoggingConfig") or {}), **(properties.get("LoggingConfig") or {})}
        logging_config.pop("LogGroup", None)  # a log group is not emulated locally; its name sets no variable
        variables |= logging_environment(resolver.resolve(logging_config))
        environment = {name: _env_text(value) for name, value in resolver.resolve(variables).items()}
        name = str(resolver.resolve(properties.get("FunctionName") or f"{logical_id.lower()}-local"))
        schedules = tuple(
            str(event["Properties"].get("Schedule"))
            for event in (properties.get("Events") or {}).values()
            if event.get("Type") == "Schedule"
        )
        functions[logical_id] = LambdaFunction(
            logical_id=logical_id,
            name=name,
            arn=str(resolver.resolve({"Fn::GetAtt": [logical_id, "Arn"]})),
            handler=handler,
            code_dir=(template.directory / code_uri).resolve(),
            memory_mb=int(resolver.resolve(merged.get("MemorySize", 128))),
            timeout_s=int(resolver.resolve(merged.get("Timeout", 3))),
            environment=environment,
            schedules=schedules,
        )
    return functions


def handler_environment(functions: Iterable[LambdaFunction]) -> dict[str, str]:
    """The union of all functions' variables: they share one process locally, so they must agree."""
    union: dict[str, str] = {}
    origin: dict[str, str] = {}
    for function in functions:
        for name, value in function.environment.items():
            if name in union and union[name] != value:
                raise TemplateError(
                    f"Environment variable {name} is {union[name]!r} in {origin[name]} but {value!r} in "
                    f"{function.logical_id}; the local stack runs all functions in one process, so they must agree"
                )
            union[name], origin[name] = value, function.logical_id
    return union


@dataclass(frozen=True)
class JwtAuthorizerConfig:
    name: str
    issuer: str
    audiences: tuple[str, ...]
    identity_source: str = "$request.header.Authorization"


@dataclass(frozen=True)
class Route:
    """One HttpApi route: ``METHOD /path/{param}`` (method ``ANY`` matches every method)."""

    method: str
    path: str
    function: LambdaFunction
    authorizer: JwtAuthorizerConfig | None
    scopes: tuple[str, ...] = ()
    segments: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(self.path.strip("/").split("/")) if self.path != "/" else ())

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Lower sorts first: API Gateway prefers literal segments, then parameters, then a greedy {proxy+}."""
        greedy = sum(1 for segment in self.segments if segment.endswith("+}"))
        parameters = sum(1 for segment in self.segments if segment.startswith("{"))
        return greedy, parameters, int(self.method == "ANY")

    def match_path(self, path: str) -> dict[str, str] | None:
        """Path parameters when ``path`` fits this route's path (any method), else None."""
        parts = path.removeprefix("/").split("/") if path != "/" else []  # a trailing slash is an empty segment
        parameters: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest or not all(rest):
                    return None
                parameters[segment[1:-2]] = unquote("/".join(rest))
                return parameters
            if index >= len(parts) or not parts[index]:
                return None
            if segment.startswith("{") and segment.endswith("}"):
                parameters[segment[1:-1]] = unquote(parts[index])
            elif segment != parts[index]:
                return None
        return parameters if len(parts) == len(self.segments) else None


class RouteTable:
    """Finds the route for a request as API Gateway does: most specific path first, exact method before ANY."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._routes = sorted(routes, key=lambda route: route.specificity)
        keys = [route.route_key for route in self._routes]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise TemplateError(f"Routes declared more than once: {duplicates}")
        self.prefixes = frozenset(f"/{route.segments[0]}/" for route in self._routes if route.segments)

    def __iter__(self) -> Any:
        return iter(self._routes)

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes:
            if route.method in (method, "ANY"):
                parameters = route.match_path(path)
                if parameters is not None:
                    return route, parameters
        return None

    def is_api_path(self, path: str) -> bool:
        """Paths CloudFront sends to the API (``/api/*``, ``/digid/*``): the first segments of the routes."""
        return any(path.startswith(prefix) for prefix in self.prefixes)


def read_routes(template: Template, resolver: Resolver, functions: Mapping[str, LambdaFunction]) -> list[Route]:
    """Every HttpApi event of every function, with its JWT authorizer (None for ``Auth.Authorizer: NONE``)."""
    routes: list[Route] = []
    for logical_id, function in functions.items():
        events = (template.resource(logical_id).get("Properties") or {}).get("Events") or {}
        for event_name, event in events.items():
            if event.get("Type") != "HttpApi":
                continue
            properties = event.get("Properties") or {}
            api_id = _api_logical_id(properties.get("ApiId"))
            auth = _api_auth(template, api_id)
            route_auth = properties.get("Auth") or {}
            authorizer_name = route_auth.get("Authorizer", auth.get("DefaultAuthorizer", "NONE"))
            method = str(properties.get("Method", "ANY")).upper()
            if "Path" not in properties:
                raise TemplateError(f"{logical_id}.{event_name}: the local stack needs an explicit Path")
            routes.append(
                Route(
                    method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD", "*") else method,
                    path=str(properties["Path"]),
                    function=function,
                    authorizer=None if authorizer_name == "NONE" else _jwt_authorizer(resolver, auth, authorizer_name),
                    scopes=tuple(route_auth.get("AuthorizationScopes") or ()),
                )
            )
    return routes


def _api_logical_id(api_id: Any) -> str:
    if api_id is None:
        return _IMPLICIT_API
    if isinstance(api_id, dict) and isinstance(api_id.get("Ref"), str):
        return str(api_id["Ref"])
    raise TemplateError(f"HttpApi event ApiId {api_id!r}: the local stack understands only !Ref to an HttpApi")


def _api_auth(template: Template, api_id: str) -> dict[str, Any]:
    """The API's Auth section over Globals.HttpApi.Auth (SAM merges globals into every HttpApi)."""
    global_auth = dict(((template.globals.get("HttpApi") or {}).get("Auth")) or {})
    if api_id == _IMPLICIT_API and api_id not in template.resources:
        return global_auth
    resource = template.resource(api_id)
    if resource.get("Type") != _HTTP_API:
        raise TemplateError(f"{api_id} is not an AWS::Serverless::HttpApi")
    auth = dict(((resource.get("Properties") or {}).get("Auth")) or {})
    authorizers = {**(global_auth.get("Authorizers") or {}), **(auth.get("Authorizers") or {})}
    return {**global_auth, **auth, "Authorizers": authorizers}


def _jwt_authorizer(resolver: Resolver, auth: Mapping[str, Any], name: str) -> JwtAuthorizerConfig:
    definition = (auth.get("Authorizers") or {}).get(name)
    if definition is None:
        raise TemplateError(f"Authorizer {name!r} is not defined on the HttpApi")
    if "JwtConfiguration" not in definition:
        raise TemplateError(f"Authorizer {name!r}: the local stack emulates JWT authorizers only")
    config = resolver.resolve(definition["JwtConfiguration"])
    audience = config.get("audience") or []
    return JwtAuthorizerConfig(
        name=name,
        issuer=str(config.get("issuer", "")),
        audiences=tuple(str(item) for item in ([audience] if isinstance(audience, str) else audience)),
        identity_source=str(resolver.resolve(definition.get("IdentitySource", "$request.header.Authorization"))),
    )


class LambdaContext:
    """The context object the Python runtime passes to a handler (the attributes Powertools reads)."""

    def __init__(self, function: LambdaFunction, request_id: str | None = None) -> None:
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory_mb
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + function.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class HandlerModules:
    """Imports handler modules for one stack and forgets them when it stops.

    A stack is a fresh deployment: its handlers must cold-start (settings, boto3 clients and key ids cached at
    module level belong to that stack). Modules under the code directories that were imported before the stack
    started are set aside and put back on ``close``, so tests that imported the core themselves keep their copies.
    """

    def __init__(self, code_dirs: Iterable[Path]) -> None:
        self._code_dirs = sorted({path.resolve() for path in code_dirs})
        self._lock = threading.Lock()
        self._added_paths = [str(path) for path in self._code_dirs if str(path) not in sys.path]
        for path in self._added_paths:
            sys.path.insert(0, path)
        self._set_aside = self._take_own_modules()

    def load(self, handler: str) -> Callable[..., Any]:
        module_name, _, function_name = handler.rpartition(".")
        if not module_name:
            raise TemplateError(f"Handler {handler!r} is not module.function")
        with self._lock:  # one import at a time: two first requests must not import a module twice
            module = importlib.import_module(module_name)
        function = getattr(module, function_name, None)
        if not callable(function):
            raise TemplateError(f"Handler {handler!r}: {module_name} has no function {function_name}")
        return function  # type: ignore[no-any-return]

    def close(self) -> None:
        with self._lock:
            self._take_own_modules()
            sys.modules.update(self._set_aside)
            for path in self._added_paths:
                if path in sys.path:
                    sys.path.remove(path)

    def _take_own_modules(self) -> dict[str, Any]:
        taken = {}
        for name, module in list(sys.modules.items()):
            origin = getattr(module, "__file__", None)
            if not origin or name == "__main__":
                continue
            location = Path(origin).resolve()
            if location.is_relative_to(_THIS_PACKAGE):  # a CodeUri of "." must not unload the stack itself
                continue
            if any(location.is_relative_to(path) for path in self._code_dirs):
                taken[name] = sys.modules.pop(name)
        return taken


class FunctionRuntime:
    """One function's execution environment: cold start on first use, then one invocation at a time."""

    def __init__(self, function: LambdaFunction, modules: HandlerModules) -> None:
        self.function = function
        self._modules = modules
        self._handler: Callable[..., Any] | None = None
        self._busy = threading.Lock()

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        with self._busy:  # like one Lambda execution environment: Powertools keeps per-invocation state
            if self._handler is None:
                self._handler = self._modules.load(self.function.handler)
            return self._handler(event, LambdaContext(self.function, request_id))


def _environment_main(connection: Any, function: LambdaFunction, code_dirs: list[str]) -> None:
    """One execution environment in a process of its own: import the handler (its cold start), then serve events
    one at a time until the stack closes the pipe. Module state (settings, clients, Powertools' resolver and its
    ``current_event``) belongs to this process alone, as in a Lambda execution environment."""
    import os
    import signal
    import traceback

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the stack's to handle: it closes this pipe
    os.environ.update(function.environment)
    sys.path[:0] = [path for path in code_dirs if path not in sys.path]
    module_name, _, name = function.handler.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), name)
    except BaseException:
        connection.send(("init_error", traceback.format_exc(limit=5)))
        return
    connection.send(("ready", None))
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        event, request_id = message
        try:
            connection.send(("ok", handler(event, LambdaContext(function, request_id))))
        except BaseException as exc:
            # The traceback goes to this environment's stderr (CloudWatch, deployed); the caller gets the type only.
            traceback.print_exc()
            connection.send(("error", type(exc).__name__))


class EnvironmentFailed(RuntimeError):
    """A process execution environment failed to start, timed out or died; it is discarded."""


class _ProcessEnvironment:
    def __init__(self, function: LambdaFunction, code_dirs: list[str]) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # never fork a process with threads
        self._connection, child = context.Pipe()
        self.process = context.Process(
            target=_environment_main, args=(child, function, code_dirs), name=f"env-{function.logical_id}", daemon=True
        )
        self.process.start()
        child.close()
        self._function = function
        if not self._connection.poll(120):  # a cold start, bounded
            self.close()
            raise EnvironmentFailed(f"{function.logical_id}: the execution environment did not start in 120 s")
        kind, detail = self._receive()
        if kind != "ready":
            self.close()
            raise EnvironmentFailed(f"{function.logical_id}: init failed: {str(detail).strip().splitlines()[-1:]}")

    def _receive(self) -> tuple[str, Any]:
        try:
            kind, detail = self._connection.recv()
        except (EOFError, OSError):
            raise EnvironmentFailed(f"{self._function.logical_id}: the execution environment died") from None
        return str(kind), detail

    def invoke(self, event: dict[str, Any], request_id: str) -> Any:
        self._connection.send((event, request_id))
        if not self._connection.poll(self._function.timeout_s + 5):  # Lambda's timeout ends the environment too
            self.close()
            raise EnvironmentFailed(f"{self._function.logical_id}: timed out after {self._function.timeout_s} s")
        kind, detail = self._receive()
        if kind == "error":
            raise RuntimeError(f"{self._function.logical_id} raised {detail}")
        return detail

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._connection.send(None)
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self._connection.close()


class ProcessPool:
    """Up to ``size`` execution environments of one function, each a process serving one event at a time.

    An event goes to an idle environment; when all are busy and fewer than ``size`` exist, a new one starts (a cold
    start); otherwise the event waits for one to free up, as with Lambda's reserved concurrency.
    """

    def __init__(self, function: LambdaFunction, code_dirs: Iterable[Path], size: int) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one execution environment")
        self.function = function
        self.size = size
        self._code_dirs = [str(path) for path in code_dirs]
        self._idle: list[_ProcessEnvironment] = []
        self._all: list[_ProcessEnvironment] = []
        self._starting = 0
        self._closed = False
        self._changed = threading.Condition()

    @property
    def environments(self) -> int:
        with self._changed:
            return len(self._all)

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        environment = self._acquire()
        try:
            response = environment.invoke(event, request_id or str(uuid.uuid4()))
        except EnvironmentFailed:
            self._discard(environment)
            raise
        except BaseException:
            self._release(environment)
            raise
        self._release(environment)
        return response

    def _acquire(self) -> _ProcessEnvironment:
        deadline = time.monotonic() + 300
        with self._changed:
            while not self._idle and len(self._all) + self._starting >= self.size:
                if self._closed or not self._changed.wait(timeout=max(0.0, deadline - time.monotonic())):
                    raise EnvironmentFailed(f"{self.function.logical_id}: no execution environment came free")
            if self._closed:
                raise EnvironmentFailed(f"{self.function.logical_id}: the stack is stopping")
            if self._idle:
                return self._idle.pop()
            self._starting += 1
        try:
            environment = _ProcessEnvironment(self.function, self._code_dirs)
        finally:
            with self._changed:
                self._starting -= 1
                self._changed.notify()
        with self._changed:
            self._all.append(environment)
        return environment

    def _release(self, environment: _ProcessEnvironment) -> None:
        with self._changed:
            self._idle.append(environment)
            self._changed.notify()

    def _discard(self, environment: _ProcessEnvironment) -> None:
        environment.close()
        with self._changed:
            if environment in self._all:
                self._all.remove(environment)
            self._changed.notify()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            environments, self._all, self._idle = list(self._all), [], []
            self._changed.notify_all()
        for environment in environments:
            environment.close()
