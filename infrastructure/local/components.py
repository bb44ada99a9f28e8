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
    """What ``python -m infrastructure.local`` and ``LocalStack()`` start besides moto and the gateway.

    Until the DigiD simulator is plugged in, ``DigidServiceProviderKeys`` gives the template's two required DigiD
    secret parameters self-signed values, so the stack starts. The simulator replaces it with one component whose
    ``start``:

    1. makes (or reuses) its test PKI under ``context.repo_root / ".local"``;
    2. starts ``DigidSimulator`` with the SP metadata fetched lazily from ``f"{context.site_url}/digid/metadata"``
       (the gateway serves only once every component has started);
    3. creates in moto, through ``context.client(...)``, the SP secrets from that PKI (signing
       ``{private_key, certificate}``, TLS ``{private_key, certificate, ca_bundle}``) and the SSM parameter with the
       simulator's IdP metadata, and sets ``context.parameters`` DigidSigningSecretArn, DigidTlsClientSecretArn and
       DigidIdpMetadataParameter (``context.environment`` can override a handler variable, e.g. DIGID_ENVIRONMENT);
    4. sets ``context.info["digid_simulator_url"]`` and stops the simulator in ``stop``.
    """
    from .digid_keys import DigidServiceProviderKeys

    return [DigidServiceProviderKeys()]
