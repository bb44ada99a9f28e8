"""The Protocols every subject shares (keys, the BSN envelope, the audit trail, metrics); each subject's own
are in its ``ports`` module (``sessions.ports``, ``login.ports``, ``proofs.ports``). Adapters in
``legitimatie.adapters`` and ``legitimatie.runtime`` implement them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .audit import AuditEvent

__all__ = ["AuditTrail", "BsnCipher", "MacKey", "Metrics"]


class Metrics(Protocol):
    """Business metrics (CloudWatch EMF through Powertools in production): counts only, never personal data.

    The names are stable: alarms (template.yaml) and the runbook (docs/runbook.md) use them."""

    def count(self, name: str, value: int = 1) -> None: ...


class MacKey(Protocol):
    """A keyed MAC whose key never leaves its keeper (KMS HMAC_256 in production)."""

    def generate_mac(self, message: bytes) -> bytes: ...


class BsnCipher(Protocol):
    """Envelope for the BSN where it must be stored: ciphertext bound to an encryption context."""

    def seal(self, plaintext: bytes, context: Mapping[str, str]) -> bytes: ...

    def open(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes: ...


class AuditTrail(Protocol):
    """Where audit events go: JSON lines the audit forwarder copies into a dedicated CloudWatch log group."""

    def record(self, event: AuditEvent) -> None: ...
