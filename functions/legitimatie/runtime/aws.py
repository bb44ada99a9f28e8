"""boto3 clients with short timeouts and standard retries: one per service per process, created on first use.

Creating a client costs 40-60 ms of a cold start (the service model is loaded and parsed), and a function's
wiring names every client any of its routes needs. ``aws_client`` therefore hands out a stand-in that creates
the real client the first time one of its attributes is used: a request that never calls KMS never pays for
a KMS client.

What every request of a function needs is better done before the first one: Lambda runs an on-demand INIT (the
handler module's import) at a full vCPU, and an invocation at the memory's share of one (0.14 of it at 256 MB).
``warm_up`` therefore imports boto3 and loads the models of the services every route uses while the module is
imported; the clients themselves are still made on first use, in about 3 ms.
"""

from __future__ import annotations

import gc
import os
import threading
from functools import cache
from typing import Any

__all__ = ["LazyClient", "aws_client", "warm_up"]


class LazyClient:
    """A boto3 client for ``service`` (at ``endpoint_url``, else the standard one), created on first attribute access
    (thread-safe), then used directly."""

    def __init__(self, service: str, endpoint_url: str | None = None) -> None:
        self.service = service
        self.endpoint_url = endpoint_url
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def created(self) -> bool:
        return self._client is not None

    def __getattr__(self, name: str) -> Any:  # only for names this object does not have itself
        if name.startswith("__"):
            raise AttributeError(name)
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = _new_client(self.service, self.endpoint_url)
                client = self._client
        return getattr(client, name)

    def __repr__(self) -> str:
        return f"LazyClient({self.service!r}, created={self.created})"


def _new_client(service: str, endpoint_url: str | None) -> Any:
    import boto3
    from botocore.config import Config

    _before_the_first_client()
    config = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
    at = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return boto3.client(service, config=config, **at)  # type: ignore[call-overload]


@cache
def _before_the_first_client() -> None:
    """boto3's and botocore's modules (imported by now: by ``warm_up`` or the first client, or before it by the
    DynamoDB codec's first encode) live as long as the process: taken out of the collector's generations before the
    first client loads its service model, whose young collections would traverse them again (~30 M instructions of
    a cold start, issue 13; observability's ``_init_is_over`` does the same for what the init made)."""
    gc.freeze()


@cache
def aws_client(service: str, endpoint_url: str | None = None) -> Any:
    """One client per service (and endpoint) per process; region, and the endpoint unless given, come from the
    standard AWS variables. ``endpoint_url``: a service whose endpoint is the deployment's own (API Gateway's
    management API for a WebSocket API)."""
    return LazyClient(service, endpoint_url)


def warm_up(*services: str) -> None:
    """At import (Lambda's INIT): import boto3 and load, into its default session, what a first client of each of
    ``services`` needs (the service's model and endpoint rules, boto3's own data: 80-110 ms of CPU for the first
    service, 15-30 ms for each next one). The client made for it is dropped: the clients the requests use come from
    ``aws_client`` with the settings of their time, and cost about 3 ms once this is done."""
    import boto3

    _before_the_first_client()  # the models' young collections need not traverse what the import made
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"
    for service in services:
        boto3.client(service, region_name=region)  # type: ignore[call-overload]
