"""The deployment the benchmark measures, read from template.yaml at run time and provisioned into moto.

Nothing here names a function, route or resource of ours: functions, handlers, memory sizes, environment
variables and routes come from the template through the local stack's own reader (``infrastructure.local``), so
a function or route that another change adds or moves is measured without touching the benchmark.
"""

from __future__ import annotations

import copy
import importlib
import json
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from infrastructure.local.components import StackContext
from infrastructure.local.digid import DigidSimulatorComponent
from infrastructure.local.lambdas import LambdaContext, LambdaFunction, Route, read_functions, read_routes
from infrastructure.local.provision import Naming, Provisioner, ResourceRegistry
from infrastructure.local.settings import (
    ACCOUNT_ID,
    FAKE_CREDENTIALS,
    LOCAL_ONLY_PATTERN_EXEMPT,
    REGION,
    STACK_NAME,
    local_parameters,
)
from infrastructure.local.template import PseudoParameters, Resolver, Template, resolve_parameters

__all__ = [
    "EVENTS",
    "FAKE_CREDENTIALS",
    "OFFICIAL_SUB",
    "REGION",
    "REPO_ROOT",
    "SITE_URL",
    "Deployment",
    "http_event",
    "provision",
    "schedule_event",
]

REPO_ROOT = Path(__file__).absolute().parent.parent
TEMPLATE = REPO_ROOT / "template.yaml"
EVENTS = REPO_ROOT / "tests" / "events"
SITE_URL = "https://beeldbellen.bench.invalid"  # never contacted: only the handlers' links and the SAML URLs use it
OFFICIAL_SUB = "8f3b1c2d-0000-4000-8000-00000000be4c"
OFFICIAL_NAME = "B. Bench"

ClientFactory = Callable[[str], Any]


@dataclass
class Deployment:
    """The template provisioned into one moto: its functions, routes and the handlers' environment."""

    template: Template
    functions: dict[str, LambdaFunction]
    routes: list[Route]
    environment: dict[str, str]
    digid: DigidSimulatorComponent | None = None
    _handlers: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def route(self, method: str, path: str) -> Route:
        """The route API Gateway would pick for ``METHOD path`` (literal segments before parameters)."""
        ordered = sorted(self.routes, key=lambda route: route.specificity)
        for route in ordered:
            if route.method in (method, "ANY") and route.match_path(path) is not None:
                return route
        raise LookupError(f"template.yaml has no route for {method} {path}")

    def handler(self, function: LambdaFunction) -> Callable[..., Any]:
        """The function's handler, imported on first use (the cold start of this process)."""
        if function.logical_id not in self._handlers:
            code_dir = str(function.code_dir)
            if code_dir not in sys.path:
                sys.path.insert(0, code_dir)
            module_name, _, name = function.handler.rpartition(".")
            self._handlers[function.logical_id] = getattr(importlib.import_module(module_name), name)
        return self._handlers[function.logical_id]

    def invoke(self, method: str, path: str, **event_options: Any) -> tuple[LambdaFunction, dict[str, Any]]:
        """Route ``METHOD path`` as the HTTP API would and call the handler in this process."""
        route = self.route(method, path)
        event = http_event(route, path, **event_options)
        return route.function, self.handler(route.function)(event, LambdaContext(route.function))

    def stop(self) -> None:
        if self.digid is not None:
            self.digid.stop()
            self.digid = None


def provision(client: ClientFactory, *, with_digid: bool = True) -> Deployment:
    """Create the template's resources in the moto behind ``client`` (and DigiD's SP configuration, as the local
    stack does); return the functions with their resolved environment."""
    template = Template.load(TEMPLATE)
    context = StackContext(
        site_url=SITE_URL,
        aws_endpoint_url="",
        region=REGION,
        account_id=ACCOUNT_ID,
        repo_root=REPO_ROOT,
        client=client,
        parameters=local_parameters(SITE_URL),
        info={},
    )
    digid = DigidSimulatorComponent() if with_digid else None
    if digid is not None:
        digid.start(context)  # the simulator, the test PKI, and the SP's secrets and IdP metadata in moto
    declared = template.parameters
    values = {name: value for name, value in context.parameters.items() if name in declared}
    for name, spec in declared.items():  # a parameter added later without a default: a plausible placeholder
        if name not in values and "Default" not in spec:
            values[name] = _placeholder(name, spec)
    parameters = resolve_parameters(template, values, LOCAL_ONLY_PATTERN_EXEMPT)
    naming = Naming(REGION, ACCOUNT_ID, STACK_NAME, SITE_URL)
    registry = ResourceRegistry(template, naming, Provisioner.EMULATED_TYPES)
    resolver = Resolver(template, parameters, registry, PseudoParameters(REGION, ACCOUNT_ID, STACK_NAME))
    Provisioner(template, resolver, registry, naming, client).provision()
    functions = read_functions(template, resolver)
    routes = read_routes(template, resolver, functions)
    environment: dict[str, str] = {}
    for function in functions.values():
        environment.update(function.environment)
    environment.update(context.environment)
    return Deployment(template, functions, routes, environment, digid)


def _placeholder(name: str, spec: Mapping[str, Any]) -> str:
    if spec.get("AllowedValues"):
        return str(spec["AllowedValues"][0])
    if "secretsmanager" in str(spec.get("AllowedPattern", "")):
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:bench/{name}"
    if spec.get("Type") == "Number":
        return str(spec.get("MinValue", 1))
    return f"bench-{name.lower()}"


def aws_environment(endpoint_url: str | None = None) -> dict[str, str]:
    """Fake credentials and the region; with ``endpoint_url`` every boto3 client goes to that moto server."""
    values = {**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}
    values["AWS_EC2_METADATA_DISABLED"] = "true"
    if endpoint_url:
        values["AWS_ENDPOINT_URL"] = endpoint_url
    return values


def http_event(
    route: Route,
    path: str,
    *,
    body: Any = None,
    query: Mapping[str, str] | None = None,
    cookies: list[str] | None = None,
    official: bool | None = None,
) -> dict[str, Any]:
    """An HTTP API 2.0 event from the recorded ones in tests/events; staff routes carry the authorizer's claims."""
    staff = route.authorizer is not None if official is None else official
    recorded = json.loads((EVENTS / ("http_api_official.json" if staff else "http_api_public.json")).read_text())
    event = copy.deepcopy(recorded)
    event["routeKey"] = event["requestContext"]["routeKey"] = route.route_key
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = route.method
    event["requestContext"]["requestId"] = uuid.uuid4().hex
    event["pathParameters"] = route.match_path(path) or {}
    if staff:
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        claims.update({"sub": OFFICIAL_SUB, "name": OFFICIAL_NAME, "cognito:groups": "[zaak-opzoeken]"})
    event.pop("body", None)
    if body is not None:
        event["body"] = json.dumps(body)
    event["rawQueryString"] = urlencode(query or {})
    if query:
        event["queryStringParameters"] = dict(query)
    if cookies:
        event["cookies"] = cookies
    return event


def schedule_event() -> dict[str, Any]:
    return dict(json.loads((EVENTS / "scheduled_sweep.json").read_text()))


def split_location(location: str) -> tuple[str, dict[str, str]]:
    """A redirect's path and query parameters."""
    parts = urlsplit(location)
    return parts.path, dict(parse_qsl(parts.query))
