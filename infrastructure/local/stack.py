"""The local stack: moto with the template's resources, the gateway with the handlers, the static site.

    with LocalStack(port=0) as stack:
        requests.get(f"{stack.site_url}/api/public/sessions/...")

Everything runs in daemon threads of this process (moto optionally in a child process, see ``isolated_moto``);
``stop`` (or leaving the ``with`` block) stops it all and restores the environment variables it set.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar, Literal

import boto3
from botocore.config import Config

from .authorizer import JwtAuthorizer
from .components import Component, StackContext, default_components
from .gateway import Gateway, GatewayServer
from .lambdas import (
    FunctionRuntime,
    HandlerModules,
    JwtAuthorizerConfig,
    LambdaFunction,
    ProcessPool,
    RouteTable,
    handler_environment,
    read_functions,
    read_routes,
)
from .live import LIVE_MANAGEMENT_PATH, LiveApi, StreamPoller, start_stream_pollers
from .local_routes import LocalRoutes, site_config
from .moto_server import MotoServer
from .provision import Naming, Official, Provisioner, ResourceRegistry, seed_official
from .queue_pollers import QueuePoller, start_queue_pollers
from .settings import (
    ACCOUNT_ID,
    FAKE_CREDENTIALS,
    LOCAL_ONLY_PATTERN_EXEMPT,
    REGION,
    STACK_NAME,
    local_parameters,
    seeded_official,
)
from .site import ResponseHeadersPolicy, StaticSite
from .template import PseudoParameters, Resolver, Template, TemplateError, resolve_parameters

__all__ = ["LocalStack", "StackError"]

log = logging.getLogger("infrastructure.local")

REPO_ROOT = Path(__file__).resolve().parents[2]
_API_ID = "local"


class StackError(RuntimeError):
    """The local stack cannot start as asked (not a template problem: see ``TemplateError`` for those)."""


class _EnvironmentOverlay:
    """Sets environment variables and puts the previous values back afterwards."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, values: Mapping[str, str | None]) -> None:
        for name, value in values.items():
            if name not in self._saved:
                self._saved[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def restore(self) -> None:
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved.clear()


@dataclass(frozen=True)
class _Cognito:
    user_pool_id: str | None
    client_id: str | None


class LocalStack:
    """Starts moto, provisions template.yaml into it, seeds the test official and serves the site and the API.

    One stack runs per process at a time (moto's state and ``os.environ`` are process-wide). ``port=0`` picks a
    free port (for tests); ``state_file`` is where ``stack.json`` goes (the CLI: ``.local/stack.json``; tests:
    nothing, or a tmp path). ``components=None`` means ``default_components()``; ``official=None`` seeds the
    documented test official.
    """

    _running: ClassVar[LocalStack | None] = None
    _running_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        *,
        port: int = 3000,
        host: str = "127.0.0.1",
        template_path: Path | None = None,
        static_dir: Path | None = None,
        state_file: Path | None = None,
        parameters: Mapping[str, object] | None = None,
        components: Sequence[Component] | None = None,
        official: Official | None = None,
        isolated_moto: bool = False,
        environments: int = 1,
    ) -> None:
        self.template_path = (template_path or REPO_ROOT / "template.yaml").resolve()
        # The site as built for serving (make site: static_site/dist, one stylesheet and one script per page)
        self.static_dir = (static_dir or REPO_ROOT / "static_site" / "dist").resolve()
        self.state_file = state_file
        self.region = REGION
        self.account_id = ACCOUNT_ID
        self._port = port
        self._host = host
        self._parameter_overrides = dict(parameters or {})
        self._components = list(default_components() if components is None else components)
        self._official_override = official
        self._moto = MotoServer(isolated=isolated_moto)
        # 1: each function runs in this process, one event at a time (tests can reach its modules). More: up to
        # that many execution environments per function, each a process of its own with its own module state.
        self.environments = environments
        self._environment = _EnvironmentOverlay()
        self._started_components: list[Component] = []
        self._server: GatewayServer | None = None
        self._modules: HandlerModules | None = None
        self._runtimes: dict[str, FunctionRuntime | ProcessPool] = {}
        self._pollers: list[QueuePoller] = []
        self._stream_pollers: list[StreamPoller] = []
        self._live: LiveApi | None = None
        self._session: boto3.Session | None = None
        self.site_url = ""
        self.aws_endpoint_url = ""
        self.parameters: dict[str, Any] = {}
        self.resources: ResourceRegistry | None = None
        self.functions: dict[str, LambdaFunction] = {}
        self.environment: dict[str, str] = {}
        self.user_pool_id: str | None = None
        self.user_pool_client_id: str | None = None
        self.official: Official | None = None
        self.table_name: str | None = None
        self.extra_info: dict[str, Any] = {}

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> LocalStack:
        with LocalStack._running_lock:
            if LocalStack._running is not None:
                raise StackError("A local stack is already running in this process; stop it first")
            LocalStack._running = self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything that started, in reverse order; safe to call twice or after a failed start."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        while self._pollers:
            self._pollers.pop().stop()
        while self._stream_pollers:
            self._stream_pollers.pop().stop()
        if self._live is not None:
            self._live.connections.close_all()
            self._live = None
        while self._started_components:
            component = self._started_components.pop()
            try:
                component.stop()
            except Exception:
                log.exception("Stopping component %s failed", component.name)
        for runtime in self._runtimes.values():
            if isinstance(runtime, ProcessPool):
                runtime.close()
        self._runtimes = {}
        if self._modules is not None:
            self._modules.close()
            self._modules = None
        self._moto.stop()
        self._environment.restore()
        self._remove_state_file()
        with LocalStack._running_lock:
            if LocalStack._running is self:
                LocalStack._running = None

    def _start(self) -> None:
        template = Template.load(self.template_path)  # first: a broken template fails before anything starts
        self._server = GatewayServer(self._host, self._port)  # second: a taken port fails before moto starts
        self.site_url = self._server.url
        self._start_moto()
        context = self._start_components()
        resolver = self._provision(template, context)
        routes, authorizers = self._read_functions(template, resolver, context)
        self._seed()
        self._modules = HandlerModules(function.code_dir for function in self.functions.values())
        if self.environments > 1:
            code_dirs = sorted({function.code_dir for function in self.functions.values()})
            self._runtimes = {
                logical_id: ProcessPool(function, code_dirs, self.environments)
                for logical_id, function in self.functions.items()
            }
        else:
            self._runtimes = {
                logical_id: FunctionRuntime(function, self._modules) for logical_id, function in self.functions.items()
            }
        site = StaticSite.from_template(
            template, resolver, self.static_dir, municipality=self.parameters.get("MunicipalityName")
        )
        self._live = LiveApi.from_template(template, resolver)
        config = site_config(
            self.site_url,
            self.region,
            self.user_pool_id,
            self.user_pool_client_id,
            municipality=self.parameters.get("MunicipalityName"),
        )
        gateway = Gateway(
            routes,
            self._runtimes,
            authorizers,
            site,
            ResponseHeadersPolicy.from_template(template, resolver),
            api_id=_API_ID,
            region=self.region,
            account_id=self.account_id,
            local_routes=LocalRoutes(self.aws_endpoint_url, config, site),
            live=self._live,
        )
        self.extra_info = dict(context.info)
        self._server.serve_in_thread(gateway)
        # Lambda's SQS event source mappings (the proof queue → the proofs function), once handlers can run.
        assert self.resources is not None
        self._pollers = start_queue_pollers(template, self.resources, self.client, self.invoke)
        # Lambda's DynamoDB stream event source mappings, each with its template's filter: session changes → the
        # live status's pushes; new proof records → the proofs function, which forwards them to the proof queue.
        self._stream_pollers = start_stream_pollers(template, self.resources, self.client, self.invoke)
        self._write_state_file()

    def _start_moto(self) -> None:
        self.aws_endpoint_url = self._moto.start()
        self._environment.set(self._aws_environment())
        self._session = boto3.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=self.region,
        )

    def _provision(self, template: Template, context: StackContext) -> Resolver:
        """Parameters, then every emulated resource in moto; returns the resolver that knows them all."""
        self.parameters = self._parameters(template, context)
        naming = Naming(self.region, self.account_id, STACK_NAME, self.site_url)
        registry = ResourceRegistry(template, naming, Provisioner.EMULATED_TYPES)
        resolver = Resolver(
            template, self.parameters, registry, PseudoParameters(self.region, self.account_id, STACK_NAME)
        )
        Provisioner(template, resolver, registry, naming, self.client).provision()
        self.resources = registry
        self.table_name = self._table_name(registry)
        return resolver

    def _read_functions(
        self, template: Template, resolver: Resolver, context: StackContext
    ) -> tuple[RouteTable, dict[str, JwtAuthorizer]]:
        """Functions, routes and authorizers; the handlers' environment is set before any handler is imported."""
        assert self.resources is not None
        # PostToConnection goes to the gateway's emulated management API, as deployed to the WebSocket stage's:
        # set in the function's own environment too, which a process execution environment applies last.
        local = {"LIVE_ENDPOINT": f"{self.site_url}{LIVE_MANAGEMENT_PATH}"}
        self.functions = {
            logical_id: replace(
                function,
                environment={**function.environment, **{k: v for k, v in local.items() if k in function.environment}},
            )
            for logical_id, function in read_functions(template, resolver).items()
        }
        routes = RouteTable(read_routes(template, resolver, self.functions))
        self.environment = {**handler_environment(self.functions.values()), **context.environment}
        self._environment.set(self.environment)
        configs = {route.authorizer for route in routes if route.authorizer is not None}
        authorizers = {config.name: self._authorizer(config, self.resources) for config in configs}
        cognito = self._cognito(self.resources, authorizers)
        self.user_pool_id, self.user_pool_client_id = cognito.user_pool_id, cognito.client_id
        return routes, authorizers

    def _aws_environment(self) -> dict[str, str | None]:
        """Fake credentials and moto's endpoint for every boto3 client in this process, handlers included."""
        endpoint_overrides = {name: None for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")}
        return {
            **FAKE_CREDENTIALS,
            **endpoint_overrides,  # a service-specific endpoint would win over AWS_ENDPOINT_URL
            "AWS_PROFILE": None,
            "AWS_DEFAULT_PROFILE": None,
            "AWS_ENDPOINT_URL": self.aws_endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def _start_components(self) -> StackContext:
        context = StackContext(
            site_url=self.site_url,
            aws_endpoint_url=self.aws_endpoint_url,
            region=self.region,
            account_id=self.account_id,
            repo_root=REPO_ROOT,
            client=self.client,
            parameters=local_parameters(self.site_url),
            info={"digid_simulator_url": None},
        )
        for component in self._components:
            component.start(context)
            self._started_components.append(component)
        return context

    def _parameters(self, template: Template, context: StackContext) -> dict[str, Any]:
        declared = template.parameters
        unknown = sorted(set(self._parameter_overrides) - set(declared))
        if unknown:
            raise TemplateError(f"Parameters {unknown} are not declared in {self.template_path.name}")
        values = {name: value for name, value in context.parameters.items() if name in declared}
        return resolve_parameters(template, {**values, **self._parameter_overrides}, LOCAL_ONLY_PATTERN_EXEMPT)

    def _authorizer(self, config: JwtAuthorizerConfig, registry: ResourceRegistry) -> JwtAuthorizer:
        """The authorizer, with the JWKS of the local user pool its issuer names."""
        prefix = f"https://cognito-idp.{self.region}.amazonaws.com/"
        pools = {resource.ref for resource in registry if resource.resource_type == "AWS::Cognito::UserPool"}
        pool_id = config.issuer.removeprefix(prefix)
        if not config.issuer.startswith(prefix) or pool_id not in pools:
            raise TemplateError(
                f"Authorizer {config.name}: issuer {config.issuer!r} is not a user pool of this template; "
                "the local stack can only emulate the template's own user pool"
            )
        return JwtAuthorizer(config, f"{self.aws_endpoint_url}/{pool_id}/.well-known/jwks.json")

    @staticmethod
    def _cognito(registry: ResourceRegistry, authorizers: Mapping[str, JwtAuthorizer]) -> _Cognito:
        """The staff pool and app client: those the authorizer trusts, else the template's first ones."""
        pools = [r.ref for r in registry if r.resource_type == "AWS::Cognito::UserPool" and r.emulated]
        clients = [r.ref for r in registry if r.resource_type == "AWS::Cognito::UserPoolClient" and r.emulated]
        for authorizer in authorizers.values():
            pool_id = authorizer.config.issuer.rsplit("/", 1)[-1]
            audience = next((client for client in clients if client in authorizer.config.audiences), None)
            if pool_id in pools and audience:
                return _Cognito(pool_id, audience)
        return _Cognito(pools[0] if pools else None, clients[0] if clients else None)

    @staticmethod
    def _table_name(registry: ResourceRegistry) -> str | None:
        """The session table (the template's first table; the project has one)."""
        tables = [r.ref for r in registry if r.resource_type == "AWS::DynamoDB::Table"]
        return tables[0] if tables else None

    def _seed(self) -> None:
        if self.user_pool_id is None:
            return
        group = self.parameters.get("StaffLookupGroup")
        self.official = self._official_override or seeded_official((str(group),) if group else ())
        seed_official(self.client("cognito-idp"), self.user_pool_id, self.official)

    # ------------------------------------------------------------------ for tests and tools

    def client(self, service: str) -> Any:
        """A boto3 client against this stack's moto."""
        if self._session is None:
            raise StackError("The local stack is not started")
        return self._session.client(
            service,
            endpoint_url=self.aws_endpoint_url,  # type: ignore[call-overload]
            config=Config(retries={"max_attempts": 2}),
        )

    def login(
        self,
        username: str | None = None,
        password: str | None = None,
        *,
        kind: Literal["IdToken", "AccessToken"] = "IdToken",
    ) -> str:
        """A token for an official via USER_PASSWORD_AUTH (default: the seeded official's id token)."""
        if self.official is None or self.user_pool_client_id is None:
            raise StackError("This stack has no staff user pool")
        result = self.client("cognito-idp").initiate_auth(
            ClientId=self.user_pool_client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": username or self.official.username,
                "PASSWORD": password or self.official.password,
            },
        )
        if "AuthenticationResult" not in result:
            raise StackError(f"Login needs a challenge the local stack does not answer: {result.get('ChallengeName')}")
        return str(result["AuthenticationResult"][kind])

    def add_official(self, username: str, password: str, name: str, groups: Sequence[str] = ()) -> Official:
        """Another staff account (e.g. a second official, or one outside the look-up group)."""
        if self.user_pool_id is None:
            raise StackError("This stack has no staff user pool")
        official = Official(username, password, name, tuple(groups))
        seed_official(self.client("cognito-idp"), self.user_pool_id, official)
        return official

    def invoke(self, function_logical_id: str, event: dict[str, Any]) -> Any:
        """Invoke a function directly, e.g. the outcome function's sweep with a scheduled event (no local schedules)."""
        if function_logical_id not in self._runtimes:
            raise StackError(f"No function {function_logical_id!r}; known: {sorted(self._runtimes)}")
        return self._runtimes[function_logical_id].invoke(event)

    @property
    def info(self) -> dict[str, Any]:
        """The content of stack.json."""
        official = self.official
        return {
            "site_url": self.site_url,
            "aws_endpoint_url": self.aws_endpoint_url,
            "region": self.region,
            "user_pool_id": self.user_pool_id,
            "user_pool_client_id": self.user_pool_client_id,
            "official": None
            if official is None
            else {
                "username": official.username,
                "password": official.password,
                "name": official.name,
            },
            "table_name": self.table_name,
            **self.extra_info,
            "resources": {}
            if self.resources is None
            else {resource.logical_id: resource.ref for resource in self.resources if resource.emulated},
            "pid": os.getpid(),
        }

    def _write_state_file(self) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.info, indent=2) + "\n", encoding="utf-8")
        temporary.replace(self.state_file)  # atomic: a reader never sees half a file

    def _remove_state_file(self) -> None:
        """Only our own file: a stack that failed to start must not delete the running one's."""
        if self.state_file is None or not self.state_file.exists():
            return
        try:
            ours = json.loads(self.state_file.read_text(encoding="utf-8")).get("site_url") == self.site_url
        except (OSError, ValueError):
            ours = False
        if ours and self.site_url:
            self.state_file.unlink(missing_ok=True)
