"""Extra parts that start and stop with the local stack (the DigiD simulator, local DigiD keys, ...).

A component is started after moto is up and the site URL is known, and before the template is provisioned and
the handlers can be reached. It may add template parameter values (``context.parameters``), handler environment
variables (``context.environment``) and keys of ``.local/stack.json`` (``context.info``). Components start in list
order (a later one sees what earlier ones added) and stop in reverse order.

To plug one in, add it to ``default_components()`` below; tests may pass their own list to ``LocalStack``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = ["Component", "StackContext", "default_components"]


@dataclass
class StackContext:
    """What a component gets to see of the starting stack, and where it puts what it adds."""

    site_url: str
    aws_endpoint_url: str
    region: str
    account_id: str
    repo_root: Path
    client: Callable[[str], Any]  # boto3 client factory against moto: context.client("secretsmanager")
    parameters: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Component(Protocol):
    name: str

    def start(self, context: StackContext) -> None:
        """Start (servers in daemon threads), then record parameters, environment and info in the context."""

    def stop(self) -> None:
        """Stop everything ``start`` started; called once, also after a failed start of a later part."""


def default_components() -> list[Component]:
    """What ``python -m infrastructure.local`` and ``LocalStack()`` start besides moto and the gateway."""
    from .digid import DigidSimulatorComponent

    return [DigidSimulatorComponent()]
